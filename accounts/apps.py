from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from accounts.roles import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Groups follow the role table in accounts/roles.py after every migrate.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
