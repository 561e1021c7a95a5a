"""Start-up checks of the layer settings: a junk CITY_EXTENT fails at start, not at the first import."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from layers.extent import configured_box


@checks.register()
def city_extent_check(app_configs=None, **kwargs):
    try:
        configured_box()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="layers.E001")]
    return []
