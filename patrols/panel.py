"""The dashboard's patrol panel: coverage and arrival this month by county and by company, the uncovered
ranges on a map (the report's map), and the protection agreements past their end date."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from accounts.scoping import scope_queryset
from patrols.choices import TaskStatus
from patrols.models import PatrolTask, ProtectionAgreement
from patrols.reporting import figures_by, figures_total, period_range, task_rows
from patrols.services import agreements_expired


def panel_month(tasks, today: date) -> str:
    """This month (YYYY-MM); before its first judged task, the last month with judged tasks."""
    month = f"{today:%Y-%m}"
    first, last = period_range(month=month)
    judged = tasks.exclude(status=TaskStatus.PLANNED)
    if judged.filter(date__gte=first, date__lte=last).exists():
        return month
    latest = judged.filter(date__lt=first).order_by("-date").values_list("date", flat=True).first()
    return f"{latest:%Y-%m}" if latest else month


def patrol_panel(user, *, today: date | None = None) -> dict | None:
    if not user.has_perm("patrols.view_patroltask"):
        return None
    today = today or timezone.localdate()
    tasks = scope_queryset(PatrolTask.objects.all(), user)
    month = panel_month(tasks, today)
    first, last = period_range(month=month)
    rows = task_rows(tasks.filter(date__gte=first, date__lte=last))
    report = reverse("admin:patrols_patroltask_report")
    agreements = scope_queryset(ProtectionAgreement.objects.all(), user)
    return {
        "month": month,
        "total": figures_total(rows),
        "by_county": figures_by(rows, "county"),
        "by_company": figures_by(rows, "company"),
        "report_url": f"{report}?month={month}",
        "map_url": f"{reverse('admin:patrols_patroltask_report_map')}?month={month}",
        "expired_agreements": agreements_expired(agreements, on=today).count(),
        "expired_url": reverse("admin:patrols_protectionagreement_changelist") + "?expired=1",
    }
