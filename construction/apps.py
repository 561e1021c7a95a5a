from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConstructionConfig(AppConfig):
    name = "construction"
    verbose_name = _("Third-party construction")
