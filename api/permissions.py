from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.auth import platform_key


class PlatformKeyOrUser(BasePermission):
    """The city platform with a valid API key, or a logged-in person."""

    message = _("Log in, or send a valid API key as 'Authorization: Api-Key <key>'.")

    def has_permission(self, request, view):
        if platform_key(request) is not None:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class PersonOnly(BasePermission):
    """Actions on hazards are taken by people, under their own name."""

    message = _("This action needs a logged-in user; API keys cannot take it.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
