"""上报隐患 on the field page: a hazard at the phone's position, with its photos, in state 已上报.

The nearest pipeline (within ``FIELD_PIPELINE_WITHIN_M``) gives the company; its chainage is measured by
``pipelines.chainage`` as the hazard location form measures it. Everything goes through the hazard
services (``hazard_report``, ``hazard_photo_add``) in one transaction: a refused photo or a point with no
pipeline leaves nothing behind. Patrollers have no right to add hazards in the admin: the field page's own
rule (the right to record tracks: patrollers and inspectors) lets them report, and the hazard names them as reporter.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import can_see_company
from common.errors import DomainError, NotPermitted
from hazards.choices import HazardCategory, HazardLevel, HazardSource
from hazards.models import Hazard
from hazards.services import hazard_photo_add, hazard_report
from hazards.uploads import PHOTO_TYPES, validate_upload
from integrations.services import CITY_LATITUDE, CITY_LONGITUDE, event_point, nearest_pipeline
from patrols.models import PatrolSection
from patrols.tracking import may_record_tracks, sections_patrolled_by
from pipelines.chainage import pipeline_chainage_at

FIELD_PIPELINE_WITHIN_M = 500.0
MAX_PHOTOS = 6
DESCRIPTION_MAX = 2000


def field_may_use(user) -> bool:
    """The field page is for those who record tracks: patrollers (their teams' sections) and inspectors (any
    section, or only hazard reports)."""
    return may_record_tracks(user)


def _clean_text(value, limit: int) -> str:
    return (value or "").strip()[:limit] if isinstance(value, str) else ""


@transaction.atomic
def field_hazard_report(
    *,
    actor,
    lon,
    lat,
    category: str,
    description: str,
    photos=(),
    level: str = HazardLevel.GENERAL,
    section: PatrolSection | None = None,
) -> Hazard:
    """Report a hazard found on patrol (source 巡护) at ``lon``/``lat``, with its photos; state 已上报."""
    if not field_may_use(actor):
        raise NotPermitted(_("The field page is for patrollers and inspectors."))
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}, field="photos")
    for photo in photos:
        validate_upload(photo, allowed=PHOTO_TYPES)  # every photo checked before anything is written
    try:
        point = event_point(lat=lat, long=lon)
    except ValidationError:
        raise DomainError(
            _(
                "The position is not a point of the city (longitude %(lon)s, latitude %(lat)s): wait until the "
                "phone has found its position and report again."
            )
            % {"lon": "–".join(map(str, CITY_LONGITUDE)), "lat": "–".join(map(str, CITY_LATITUDE))},
            field="position",
        ) from None
    if category not in HazardCategory.values:
        raise DomainError(_("Choose the kind of hazard from the list."), field="category")
    if level not in HazardLevel.values:
        raise DomainError(_("Choose the level from the list."), field="level")
    description = _clean_text(description, DESCRIPTION_MAX)
    if not description:
        raise DomainError(_("Describe what you found."), field="description")
    if section is not None and not sections_patrolled_by(user=actor).filter(pk=section.pk).exists():
        section = None  # a section the user does not patrol names nothing
    pipeline = nearest_pipeline(point=point, max_m=FIELD_PIPELINE_WITHIN_M)
    if pipeline is None:
        raise DomainError(
            _("No pipeline within %(m).0f m of your position: move closer to the pipeline and report again.")
            % {"m": FIELD_PIPELINE_WITHIN_M}
        )
    chainage, _offset = pipeline_chainage_at(pipeline=pipeline, point=point)
    hazard = Hazard(
        source=HazardSource.PATROL,
        company_id=pipeline.company_id,
        pipeline=pipeline,
        chainage_m=round(min(max(chainage, 0.0), pipeline.length_m), 1),
        location=point,
        place=_("Patrol section %(code)s") % {"code": section.code} if section is not None else "",
        category=category,
        level=level,
        description=description,
        found_on=timezone.localdate(),
        reported_by=actor,
    )
    # Inspectors report with their own rights; a patroller's report is the field page's (they are named
    # as reporter and in the history's comment).
    may_report = actor.has_perm("hazards.add_hazard") and can_see_company(actor, pipeline.company_id)
    comment = _("Reported on the field page by %(user)s.") % {"user": actor.get_full_name() or actor.get_username()}
    try:
        hazard = hazard_report(hazard=hazard, actor=actor if may_report else None, comment=comment)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    may_add_photos = actor.has_perm("hazards.change_hazard") and may_report
    for number, photo in enumerate(photos, start=1):
        hazard_photo_add(
            hazard=hazard,
            actor=actor if may_add_photos else None,
            file=photo,
            caption=_("Field photo %(n)d") % {"n": number},
        )
    return hazard
