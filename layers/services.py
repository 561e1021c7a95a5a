"""Corrections to single features (the admin's change and delete): saved,
then the pipelines near the feature are identified again after commit.
Whole layers come in through layers.importer."""

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction

from layers.models import LayerFeature


def _reidentify_near(geometries, actor) -> None:
    from hca.services import hca_reidentify_after_change

    hca_reidentify_after_change(
        geometries=[g for g in geometries if g is not None], user_id=actor.pk if actor is not None else None
    )


def feature_save(*, feature: LayerFeature, actor, previous_geom: GEOSGeometry | None = None) -> LayerFeature:
    feature.full_clean()
    with transaction.atomic():
        feature.save()
        _reidentify_near([previous_geom, feature.geom], actor)
    return feature


def features_delete(*, queryset, actor) -> int:
    with transaction.atomic():
        extent = queryset.aggregate(extent=Extent("geom"))["extent"]
        count, _by_model = queryset.delete()
        if extent:
            area = Polygon.from_bbox(extent)
            area.srid = 4326
            _reidentify_near([area], actor)
    return count
