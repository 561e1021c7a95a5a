"""Corrections to single features (the admin's change and delete): saved,
then the pipelines near the feature are identified again after commit.
Whole layers come in through layers.importer."""

from django.contrib.gis.geos import GEOSGeometry
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
    """Delete the features; the pipelines near each of them (not near the
    box around them all) are identified again after commit."""
    with transaction.atomic():
        geometries = list(queryset.values_list("geom", flat=True))
        count, _by_model = queryset.delete()
        _reidentify_near(geometries, actor)
    return count
