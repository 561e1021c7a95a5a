"""Domain errors: raised by services, shown to users as plain messages.

Admin views turn them into error messages, the API into 4xx responses.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the operation; ``message`` says why, for the user.

    ``field`` names the input the refusal is about (e.g. ``"deadline"``), so a
    form shows the message under that field; None for the operation as a whole.
    """

    default_message = _("The operation is not allowed.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class IllegalTransition(DomainError):
    default_message = _("This action is not possible in the hazard's current state.")


class ConcurrentChange(DomainError):
    default_message = _("Someone else changed this record meanwhile. Reload the page and try again.")


class NotPermitted(DomainError):
    default_message = _("You are not allowed to do this.")


class InvalidUpload(DomainError):
    default_message = _("The file was refused.")
