"""现场监护签到 on the field page: the applications a user may check in on today, and the check-in itself.

Who: the operator's company staff with the check-in right (``construction.checkin_application``) and the
office's inspectors. Which applications: those in supervision (notified or under way, the states
``construction.works.checkin_record`` accepts) that the user may see (``accounts.scoping``: an operator's
staff see the applications that concern their company). The rules (500 m from the work area, the photo,
one transaction) are construction's: this module only reads the list and calls ``checkin_record``.
"""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from accounts.scoping import scope_queryset
from common.errors import DomainError, NotPermitted
from construction.lifecycle import ApplicationStatus
from construction.models import Application
from construction.services import checkin_record

CHECKIN_PERMISSION = "construction.checkin_application"
CHECKIN_STATUSES = (ApplicationStatus.NOTIFIED, ApplicationStatus.UNDER_WAY)
NOTE_MAX = 500


def checkin_may_use(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(CHECKIN_PERMISSION))


def checkin_applications(*, user):
    """The applications under on-site supervision that ``user`` may check in on (none without the right)."""
    if not checkin_may_use(user):
        return Application.objects.none()
    queryset = Application.objects.filter(status__in=CHECKIN_STATUSES)
    return scope_queryset(queryset, user).select_related("contractor").distinct().order_by("number")


def checkin_summary(application: Application) -> dict:
    return {
        "id": application.pk,
        "number": application.number,
        "project": application.project,
        "contractor": application.contractor.name,
        "status": application.status,
        "status_label": str(application.get_status_display()),
    }


def _number(value, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or not low <= number <= high:
        raise DomainError(
            _("The position is missing: allow the phone to share its location.")
            if value in (None, "")
            else _("The position is not a valid longitude and latitude."),
            field=name,
        )
    return number


def checkin_application_of(*, user, application_id) -> Application | None:
    """The application ``application_id`` if ``user`` may check in on it now; None otherwise."""
    try:
        pk = int(application_id)
    except (TypeError, ValueError):
        return None
    return checkin_applications(user=user).filter(pk=pk).first()


def field_checkin(*, actor, application: Application, lon, lat, photo, accuracy=None, note: str = ""):
    """Check ``actor`` in on ``application`` at ``lon``/``lat`` with ``photo`` (construction's service)."""
    if not checkin_may_use(actor):
        raise NotPermitted(_("Check-ins are for the operators' guards and the inspectors."))
    location = Point(_number(lon, "lon", -180, 180), _number(lat, "lat", -90, 90), srid=4326)
    accuracy_m = None
    if accuracy not in (None, ""):
        try:
            accuracy_m = round(float(accuracy), 1)
        except (TypeError, ValueError):
            accuracy_m = None
        if accuracy_m is not None and not 0 <= accuracy_m < 100000:
            accuracy_m = None
    note = note.strip()[:NOTE_MAX] if isinstance(note, str) else ""
    return checkin_record(
        application=application, location=location, photo=photo, actor=actor, accuracy_m=accuracy_m, note=note
    )
