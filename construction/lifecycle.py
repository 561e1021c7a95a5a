"""The vocabularies of an application (第三方施工申请) and its life cycle (docs/construction.md).

submitted → approved / refused → notified (7-day notice sent) → under way → completed / expired → closed.
The operators' answers, agreements, safety reviews and check-ins are steps of the history that do not change
the status; starting the work requires all of them (services.application_start).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The office decides within 20 working days of submission (行政许可法 Art. 42; Art. 82: working days).
DECISION_WORKING_DAYS = 20
# The written notice reaches each operator at least 7 (calendar) days before work starts (Art. 37).
NOTICE_DAYS = 7
# An approval lapses if the work has not started within this many days of the planned start (never past the
# planned end): the default validity given when approving.
VALIDITY_DAYS = 30
# A check-in further than this from the work area is refused (the guard is not on site).
CHECKIN_MAX_DISTANCE_M = 500.0
# The approved work area found by selectors.approved_application_covering is buffered by this (metric CRS).
COVERING_BUFFER_M = 50.0


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application", "submitted")
    APPROVED = "approved", pgettext_lazy("application", "approved")
    REFUSED = "refused", pgettext_lazy("application", "refused")
    NOTIFIED = "notified", pgettext_lazy("application", "notice sent")
    UNDER_WAY = "under_way", pgettext_lazy("application", "under way")
    COMPLETED = "completed", pgettext_lazy("application", "completed")
    EXPIRED = "expired", pgettext_lazy("application", "expired")
    CLOSED = "closed", pgettext_lazy("application", "closed")


# Approved works: what the OGC collection, the video selector and the map show as construction sites.
SITE_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.NOTIFIED, ApplicationStatus.UNDER_WAY)


class StepKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application step", "submitted")
    ANSWERED = "answered", pgettext_lazy("application step", "operator answered")
    AGREEMENT_UPLOADED = "agreement_uploaded", pgettext_lazy("application step", "agreement uploaded")
    SAFETY_REVIEWED = "safety_reviewed", pgettext_lazy("application step", "safety review by the office")
    APPROVED = "approved", pgettext_lazy("application step", "approved")
    REFUSED = "refused", pgettext_lazy("application step", "refused")
    NOTICE_SENT = "notice_sent", pgettext_lazy("application step", "7-day notice sent")
    STARTED = "started", pgettext_lazy("application step", "work started")
    CHECKED_IN = "checked_in", pgettext_lazy("application step", "on-site check-in")
    HAZARD_REPORTED = "hazard_reported", pgettext_lazy("application step", "damage or near miss reported")
    INCIDENT_OPENED = "incident_opened", pgettext_lazy("application step", "emergency incident opened")
    COMPLETED = "completed", pgettext_lazy("application step", "completed")
    EXPIRED = "expired", pgettext_lazy("application step", "expired")
    CLOSED = "closed", pgettext_lazy("application step", "closed")


class Answer(models.TextChoices):
    NO_CONFLICT = "no_conflict", _("no conflict")
    CONFLICT = "conflict", _("conflict")


class SiteAction(models.TextChoices):
    MARKED = "marked", _("pipeline marked on site")
    PRESENCE = "presence", _("our staff must be present")


class AgreementKind(models.TextChoices):
    PROTECTION = "protection", _("pipeline protection agreement (管道保护协议书)")
    SAFETY = "safety", _("safety protection agreement (安全防护协议)")


class DamageKind(models.TextChoices):
    DAMAGE = "damage", _("damage to the pipeline")
    NEAR_MISS = "near_miss", _("near miss")
