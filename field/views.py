"""The field page (/field/) and the JSON endpoints its script calls (session + CSRF).

The views parse and answer; the rules are in the services: ``patrols.tracking`` (track_start, track_end),
``patrols.ingest.fixes_ingest`` and ``field.services.field_hazard_report``. Every refusal is JSON with a
``detail`` in the user's language (Chinese by default), shown on the page as is.
"""

import hashlib
import json
import math
import re
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotPermitted
from field.checkins import (
    checkin_application_of,
    checkin_applications,
    checkin_may_use,
    checkin_summary,
    field_checkin,
)
from field.selectors import section_detail, section_summary, sections_detail, sections_for_page
from field.services import field_hazard_report, field_may_use
from field.texts import TEXT
from hazards.choices import HazardCategory
from integrations.services import IdempotencyKeyReused, idempotent, request_fingerprint
from integrations.views import IDEMPOTENCY_KEY_PATTERN
from patrols.choices import FixSource, Mode
from patrols.ingest import FixError, SenderRefused, fixes_ingest, fixes_sender_check
from patrols.models import Device, PatrolSection, PatrolTrack
from patrols.tracking import (
    day_figures,
    device_id_check,
    is_field_inspector,
    track_end,
    track_of,
    track_section,
    track_start,
)

MAX_FIXES_PER_BATCH = 2000
# Sections whose centreline and checkpoints travel inside the page (more are fetched when picked).
EMBEDDED_SECTIONS = 40
FIX_INTERVAL_S = 5
SESSION_AGE = timedelta(days=30)


def _refuse(message, status=400, **extra) -> JsonResponse:
    return JsonResponse({"detail": str(message), **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def field_api(view, *, allowed=field_may_use, forbidden=None):
    """A JSON endpoint of the page: logged in (401 JSON, not a redirect), allowed on the field page (403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _refuse(_("Your session has ended: log in again (the queued fixes are kept)."), status=401)
        if not allowed(request.user):
            return _refuse(forbidden or _("The field page is for patrollers and inspectors."), status=403)
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as exc:
            return _refuse(exc.message, status=403)
        except DomainError as exc:
            return _refuse(exc.message, status=400, field=exc.field)
        except ValidationError as exc:
            fields = list(getattr(exc, "error_dict", {}))
            return _refuse(_messages(exc), status=400, field=fields[0] if len(fields) == 1 else None)

    return wrapped


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("The request is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise DomainError(_("The request must be a JSON object."))
    return body


# --- the page -----------------------------------------------------------------


class FieldLoginView(auth_views.LoginView):
    """A log-in for phones; lands on the field page. The session stays (SESSION_COOKIE_AGE)."""

    template_name = "field/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("field:page")

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.set_expiry(SESSION_AGE)  # log in once: the phone stays logged in
        return response


class FieldLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("field:login")


def _page_context(request) -> dict:
    user = request.user
    patrol = field_may_use(user)
    sections = list(sections_for_page(user=user))
    inspector = is_field_inspector(user)
    # A patroller's own sections travel with the page (today's first); an inspector's, today's tasks only.
    embedded = [section for section in sections if not inspector or section.has_task_today][:EMBEDDED_SECTIONS]
    open_track = (
        PatrolTrack.objects.filter(user=user, ended_at__isnull=True, source=FixSource.PHONE)
        .order_by("-started_at")
        .first()
    )
    data = {
        "user": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "inspector": inspector,
        "patrol": patrol,
        "checkin": checkin_may_use(user),
        "applications": [checkin_summary(application) for application in checkin_applications(user=user)],
        "sections": [section_summary(section) for section in sections],
        "details": sections_detail(embedded),
        "modes": [[value, str(label)] for value, label in Mode.choices],
        "categories": [[value, str(label)] for value, label in HazardCategory.choices],
        "open_track": None
        if open_track is None
        else {
            "id": open_track.pk,
            "device_id": open_track.device_id,
            "section_id": open_track.section_id,
            "mode": open_track.mode,
        },
        "fix_interval_s": FIX_INTERVAL_S,
        "text": {key: str(value) for key, value in TEXT.items()},
        "urls": {
            "fixes": reverse("field:fixes"),
            "start": reverse("field:track_start"),
            "end": reverse("field:track_end", args=[0]),
            "section": reverse("field:section", args=[0]),
            "hazard": reverse("field:hazard"),
            "checkin": reverse("field:checkin"),
            "logout": reverse("field:logout"),
            "login": reverse("field:login"),
            "sw": reverse("field:sw"),
        },
    }
    return {"field_data": data}


@never_cache
def field_page(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('field:login')}?next={reverse('field:page')}")
    if not (field_may_use(request.user) or checkin_may_use(request.user)):
        return render(request, "field/forbidden.html", status=403)
    return render(request, "field/page.html", _page_context(request))


@require_GET
def service_worker(request):
    """The service worker, served under /field/ so that its scope is the page: it keeps the page and its
    assets for offline opening (the fixes themselves wait in the page's queue, not here)."""
    assets = [static("field/field.js"), static("field/field.css")]
    body = render(request, "field/sw.js", {"assets": json.dumps(assets)}).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field:page")
    return response


# --- endpoints ----------------------------------------------------------------


@require_GET
@field_api
def section_view(request, pk: int):
    section = sections_for_page(user=request.user).filter(pk=pk).first()
    if section is None:
        return _refuse(_("No such section among those you may patrol."), status=404)
    return JsonResponse(section_detail(section))


@require_POST
@field_api
def track_start_view(request):
    body = _json_body(request)
    section_id = body.get("section")
    if not isinstance(section_id, int) or isinstance(section_id, bool):
        return _refuse(_("Choose a section."), field="section")
    section = PatrolSection.objects.select_related("team", "pipeline").filter(pk=section_id, active=True).first()
    if section is None:
        return _refuse(_("No such section."), status=404, field="section")
    track = track_start(user=request.user, section=section, device_id=body.get("device_id"), mode=body.get("mode"))
    return JsonResponse(
        {
            "id": track.pk,
            "device_id": track.device_id,
            "started_at": track.started_at.isoformat(),
            "section": section_summary(section),
            "task": track.task_id,
            "mode": track.mode,
        },
        status=201,
    )


@require_POST
@field_api
def track_end_view(request, pk: int):
    track = track_of(user=request.user, pk=pk)
    if track is None:
        return _refuse(_("No such patrol of yours."), status=404)
    if track.ended_at is not None:
        return JsonResponse(day_figures(track=track, section=track_section(track)))
    return JsonResponse(track_end(track=track))


def _fix_time(value, index: int):
    """The page sends milliseconds since 1970 (the phone's clock); an ISO time with its zone passes as is."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            return datetime.fromtimestamp(value / 1000.0, tz=UTC)
        except (ValueError, OverflowError, OSError):
            pass
    elif isinstance(value, str):
        return value
    raise FixError(
        _("give its time as milliseconds since 1970 or an ISO time with its zone."),
        index=index,
        field="time",
    )


def fixes_parse(items) -> list[dict]:
    """The page's fixes ({t, lon, lat, acc}) as ``fixes_ingest`` takes them (it checks the numbers)."""
    if not isinstance(items, list) or not items:
        raise DomainError(_("Send at least one fix."))
    if len(items) > MAX_FIXES_PER_BATCH:
        raise DomainError(_("At most %(n)d fixes per request.") % {"n": MAX_FIXES_PER_BATCH})
    fixes = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FixError(_("it is not an object with t, lon, lat."), index=index)
        fixes.append(
            {
                "time": _fix_time(item.get("t"), index),
                "lon": item.get("lon"),
                "lat": item.get("lat"),
                "accuracy_m": item.get("acc"),
            }
        )
    return fixes


@require_POST
@field_api
def fixes_view(request):
    """A batch of the phone's fixes; a batch sent again adds nothing (fixes are unique on device and time)."""
    body = _json_body(request)
    device_id = device_id_check(body.get("device_id"))
    if not Device.objects.filter(device_id=device_id).exists():
        return _refuse(_("This phone is not registered yet: start a patrol on it first."), status=403)
    try:
        fixes_sender_check(actor=request.user, device_ids=[device_id])
    except SenderRefused as exc:
        return _refuse(str(exc), status=403)
    try:
        fixes = fixes_parse(body.get("fixes"))
        result = fixes_ingest(device_id=device_id, fixes=fixes, source=FixSource.PHONE)
    except FixError as exc:
        return _refuse(str(exc), status=400, index=exc.index, field=exc.field)
    return JsonResponse(result)


def _report_fingerprint(request) -> str:
    """The report's own fields and the number of photos (the page shrinks the photos again on a retry)."""
    digest = hashlib.sha256()
    for name in ("lon", "lat", "category", "description", "section"):
        digest.update(f"{name}={request.POST.get(name, '')}\0".encode())
    digest.update(f"photos={len(request.FILES.getlist('photos'))}".encode())
    return request_fingerprint(
        method="POST", path=request.path, caller=f"user:{request.user.pk}", body_digest=digest.hexdigest()
    )


@require_POST
@field_api
def hazard_view(request):
    """上报隐患: multipart (lon, lat, category, description, section, photos). The page sends an
    ``Idempotency-Key`` per report: a report sent again after a lost answer is answered again, not doubled."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        return _refuse(_("The report's key is malformed: reopen the report form."))
    data = request.POST
    section = None
    if (data.get("section") or "").isdigit():
        section = PatrolSection.objects.filter(pk=int(data["section"])).first()

    def produce():
        hazard = field_hazard_report(
            actor=request.user,
            lon=data.get("lon"),
            lat=data.get("lat"),
            category=data.get("category") or "",
            description=data.get("description") or "",
            photos=request.FILES.getlist("photos"),
            section=section,
        )
        return 201, {
            "id": hazard.pk,
            "code": hazard.code,
            "status": hazard.status,
            "status_label": str(hazard.get_status_display()),
            "pipeline": hazard.pipeline.code if hazard.pipeline_id else None,
            "chainage_m": hazard.chainage_m,
            "photos": hazard.photos.count(),
            "message": _("Hazard %(code)s on %(pipeline)s at chainage %(chainage).0f m: %(status)s.")
            % {
                "code": hazard.code,
                "pipeline": hazard.pipeline.code,
                "chainage": hazard.chainage_m,
                "status": hazard.get_status_display(),
            },
        }

    if key is None:
        status, body = produce()
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    try:
        result = idempotent(
            caller=f"user:{request.user.pk}", key=key, fingerprint=_report_fingerprint(request), produce=produce
        )
    except IdempotencyKeyReused:
        return _refuse(
            _("This report was already sent with other contents: reopen the report form to send a new one."),
            status=422,
        )
    response = JsonResponse(result.body, status=result.status, json_dumps_params={"ensure_ascii": False})
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _checkin_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for name in ("application", "lon", "lat", "note"):
        digest.update(f"{name}={request.POST.get(name, '')}\0".encode())
    digest.update(f"photo={len(request.FILES.getlist('photo'))}".encode())
    return request_fingerprint(
        method="POST", path=request.path, caller=f"user:{request.user.pk}", body_digest=digest.hexdigest()
    )


def _checkin_api(view):
    return field_api(
        view,
        allowed=checkin_may_use,
        forbidden=_("Check-ins are for the operators' guards and the inspectors."),
    )


@require_POST
@_checkin_api
def checkin_view(request):
    """现场监护签到: multipart (application, lon, lat, accuracy, note, photo), with an ``Idempotency-Key`` per
    check-in: sent again after a lost answer, it is answered again, not recorded twice."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        return _refuse(_("The check-in's key is malformed: reload the page."))
    data = request.POST
    photos = request.FILES.getlist("photo")
    if len(photos) > 1:
        return _refuse(_("Send one photo per check-in."), field="photo")

    application = checkin_application_of(user=request.user, application_id=data.get("application"))
    if application is None:
        return _refuse(
            _("No such application under supervision among those you may see."), status=404, field="application"
        )

    def produce():
        checkin = field_checkin(
            actor=request.user,
            application=application,
            lon=data.get("lon"),
            lat=data.get("lat"),
            accuracy=data.get("accuracy"),
            note=data.get("note") or "",
            photo=photos[0] if photos else None,
        )
        return 201, {
            "id": checkin.pk,
            "application": application.pk,
            "number": application.number,
            "at": checkin.at.isoformat(),
            "distance_m": checkin.distance_m,
            "message": _("Checked in on %(number)s at %(time)s, %(distance).0f m from the work area.")
            % {
                "number": application.number,
                "time": timezone.localtime(checkin.at).strftime("%H:%M"),
                "distance": checkin.distance_m,
            },
        }

    if key is None:
        status, body = produce()
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    try:
        result = idempotent(
            caller=f"user:{request.user.pk}", key=key, fingerprint=_checkin_fingerprint(request), produce=produce
        )
    except IdempotencyKeyReused:
        return _refuse(_("This check-in was already sent with other contents: reload the page."), status=422)
    response = JsonResponse(result.body, status=result.status, json_dumps_params={"ensure_ascii": False})
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
