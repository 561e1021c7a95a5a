from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterfaceConfig(AppConfig):
    """The Chinese interface around our own apps: names and labels of the
    third-party apps shown in the admin (API keys, audit log, periodic tasks),
    translations Django and those apps lack, permission labels, error pages."""

    name = "interface"
    verbose_name = _("Interface")

    def ready(self):
        from interface.relabel import relabel_third_party_apps

        relabel_third_party_apps()
