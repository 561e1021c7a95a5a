from django.conf import settings


def map_settings(request):
    """Base-map settings for every map the app draws (admin widgets, overviews)."""
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
    }
