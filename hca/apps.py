from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from hca.schedule import schedule_install

    schedule_install()


class HcaConfig(AppConfig):
    name = "hca"
    verbose_name = _("High-consequence areas")

    def ready(self):
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="hca.install_schedule")
