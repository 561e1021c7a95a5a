"""The roles of the system as Django groups, kept in sync with this table.

``roles_sync()`` runs after every ``migrate`` (see AccountsConfig.ready) and
may be run again at any time: it creates missing groups and sets each group's
permissions to exactly what is listed here.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

INSPECTOR = "inspector"
MANAGER = "manager"
COMPANY_STAFF = "company_staff"

ROLE_LABELS = {
    INSPECTOR: _("inspector"),
    MANAGER: _("manager"),
    COMPANY_STAFF: _("company staff"),
}

_DOMAIN_MODELS = {
    "companies": ["operatingcompany"],
    "pipelines": ["pipeline"],
    "standards": ["worknorm", "normclause"],
    "inspections": ["inspectioncampaign", "inspectionrecord", "checklistresult"],
    "hazards": ["hazard", "hazardphoto", "rectification", "rectificationevidence"],
}


def _codenames(actions, models_by_app):
    return [
        (app, f"{action}_{model}") for app, models in models_by_app.items() for model in models for action in actions
    ]


ROLE_PERMISSIONS = {
    # Inspectors plan campaigns, inspect, log hazards and review rectifications.
    INSPECTOR: [
        *_codenames(("view", "add", "change"), _DOMAIN_MODELS),
        ("hazards", "delete_hazardphoto"),
        ("inspections", "delete_checklistresult"),
    ],
    # Managers watch; they change nothing.
    MANAGER: _codenames(("view",), _DOMAIN_MODELS),
    # Company staff see their own company's records and report rectification
    # (scoping to their company is enforced by the company scoping rules).
    COMPANY_STAFF: _codenames(("view",), _DOMAIN_MODELS)
    + _codenames(("add", "change"), {"hazards": ["rectification", "rectificationevidence"]}),
}


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    groups = {}
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        condition = Q(pk__in=[])
        for app_label, codename in wanted:
            condition |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(condition))
        if len(permissions) != len(wanted):
            # Permissions appear after the app's first migrate; sync again then.
            continue
        group.permissions.set(permissions)
        groups[role] = group
    return groups
