"""Permissions as people read them in the user and group forms.

Django stores a permission's name in English when it is created
("Can add hazard") and shows it with the app and model labels; here the
label is built from the translated app and model names and the action.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DEFAULT_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    opts = model._meta
    action, _sep, model_name = permission.codename.partition("_")
    if model_name == opts.model_name and action in DEFAULT_ACTIONS:
        text = DEFAULT_ACTIONS[action] % {"model": opts.verbose_name}
    else:
        text = gettext(permission.name)  # custom permissions: their names are in the catalogues
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {text}"


class ReadablePermissionsMixin:
    """For a ModelAdmin with a permissions field (users, groups)."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field
