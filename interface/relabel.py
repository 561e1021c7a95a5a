"""Chinese names for what third-party apps show in the admin.

Their apps, models and some fields carry plain English strings (not marked
for translation): they are replaced here by translatable ones. Only the
labels shown change: a model's migration state comes from its Meta as
written (``_meta.original_attrs``) and a field's from the verbose name it
was declared with (``field._verbose_name``), so no migration follows.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "rest_framework_api_key": _("API keys"),
    "auditlog": _("Field change log"),
    "django_celery_beat": _("Periodic tasks"),
}
MODEL_NAMES = {
    ("rest_framework_api_key", "apikey"): (_("API key"), _("API keys")),
}
FIELD_NAMES = {
    ("rest_framework_api_key", "apikey"): {
        "name": _("name"),
        "prefix": _("key prefix"),
        "created": _("created at"),
        "revoked": _("revoked"),
        "expiry_date": _("expires"),
    },
    ("django_celery_beat", "periodictask"): {"task": _("task")},
}


def relabel_third_party_apps() -> None:
    for label, name in APP_NAMES.items():
        if apps.is_installed(label):
            apps.get_app_config(label).verbose_name = name
    for (app_label, model_name), (singular, plural) in MODEL_NAMES.items():
        if apps.is_installed(app_label):
            opts = apps.get_model(app_label, model_name)._meta
            opts.verbose_name, opts.verbose_name_plural = singular, plural
    for (app_label, model_name), fields in FIELD_NAMES.items():
        if apps.is_installed(app_label):
            model = apps.get_model(app_label, model_name)
            for field_name, verbose_name in fields.items():
                model._meta.get_field(field_name).verbose_name = verbose_name
