"""Who acts when no person does: a company's own system, calling the API with a
key tied to that company (api.models.ApiKeyCompany).

It may do exactly what the company's staff may (accounts/roles.py): see its
own company's records (accounts/scoping.py treats it as company staff) and take
the company-side steps of a hazard (start rectification, record progress,
upload evidence, submit for acceptance). The services record such a step with
no person as actor and say which key did it in the history row's details.
"""

from functools import cache

from accounts.roles import COMPANY_STAFF, ROLE_PERMISSIONS


@cache
def _company_staff_permissions() -> frozenset[str]:
    return frozenset(f"{app}.{codename}" for app, codename in ROLE_PERMISSIONS[COMPANY_STAFF])


class CompanyKeyActor:
    """An API key limited to one operating company, acting as that company's staff."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_person = False
    pk = None

    def __init__(self, *, company_id: int, key_prefix: str, key_name: str = ""):
        self.company_id = company_id
        self.key_prefix = key_prefix
        self.key_name = key_name

    def has_perm(self, permission: str, obj=None) -> bool:
        return permission in _company_staff_permissions()

    @property
    def audit_details(self) -> dict:
        """What a history row says about who acted (no person: this key, for this company)."""
        return {"api_key": self.key_prefix, "api_key_name": self.key_name, "company": self.company_id}

    def __str__(self) -> str:
        return f"API key {self.key_prefix}"


def person(actor):
    """The person behind ``actor`` for a user field (reported_by, uploaded_by, actor): None for a key or the system."""
    return actor if getattr(actor, "is_person", True) else None
