from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.auth import company_key_actor, platform_key


def _person(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active)


class PlatformKeyOrUser(BasePermission):
    """The city platform or a company's system with a valid API key, or a logged-in person."""

    message = _("Log in, or send a valid API key as 'Authorization: Api-Key <key>'.")

    def has_permission(self, request, view):
        return platform_key(request) is not None or _person(request)


class PersonOnly(BasePermission):
    """Inspector actions on hazards are taken by people, under their own name."""

    message = _("This action needs a person's login; an API key cannot take it.")

    def has_permission(self, request, view):
        return _person(request)


class PersonOrCompanyKey(BasePermission):
    """The company's side of a hazard: its staff, logged in, or its own system with a key tied to it."""

    message = _(
        "This action needs a person's login or an API key tied to the hazard's company; the city platform's key"
        " cannot take it."
    )

    def has_permission(self, request, view):
        return _person(request) or company_key_actor(request) is not None


class NotACompanyKey(BasePermission):
    """What only the city platform or a person may do (a company's key is limited to its company's side)."""

    message = _("An API key tied to a company cannot do this.")

    def has_permission(self, request, view):
        return company_key_actor(request) is None
