"""Pieces shared by the theft-incident and refinery-point admins."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class NotAllowed(Exception):
    """A step URL reached with a method other than POST."""


class ReadOnlyHistoryInline(admin.TabularInline):
    """A history table under a record: shown, never added to, changed or deleted from the admin."""

    extra = 0
    can_delete = False
    verbose_name_plural = _("history")
    related = ("actor",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


def object_for_action(model_admin, request, object_id, *, perm: str):
    """The record a step URL acts on: 403 without `perm` before any lookup or method check (a refusal tells
    nothing about which records exist), NotAllowed unless POST, 404 when it is not in the user's scope."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
    if request.method != "POST":
        raise NotAllowed
    try:
        obj = model_admin.get_queryset(request).filter(pk=int(unquote(object_id))).first()
    except ValueError:
        obj = None
    if obj is None:
        raise Http404
    return obj
