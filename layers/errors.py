"""The error a layer import raises: every problem found, each naming the
layer, the row and the field."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from common.errors import InvalidUpload


class LayerImportError(InvalidUpload):
    """The file was refused; ``errors`` lists the problems (at most MAX_ERRORS)."""

    default_message = _("The layer file was refused.")

    def __init__(self, errors, *, shrinking=()):
        # (layer, features stored, features in the file) for each layer the file would shrink:
        # the import needs confirming (replace_empty) to go ahead.
        self.shrinking = list(shrinking)
        if isinstance(errors, str | Promise):
            errors = [errors]
        self.errors = [str(error) for error in errors] or [str(self.default_message)]
        super().__init__("\n".join(self.errors))
