"""The dashboard's patrol panel: coverage and arrival this month by county and by company, the uncovered
ranges on a map (the report's map), and the protection agreements past their end date.

Every count (tasks, missed tasks) links to the task list filtered to exactly the tasks it counts: the month
(the list's date hierarchy), the county (``team__county``), the company and the status. Three queries: the
month shown, the month's tasks, the expired agreements."""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from accounts.scoping import scope_queryset
from patrols.choices import TaskStatus
from patrols.models import PatrolTask, ProtectionAgreement
from patrols.reporting import Figures, figures_total, period_range, task_rows
from patrols.services import agreements_expired


def panel_month(tasks, today: date) -> str:
    """This month (YYYY-MM); before its first judged task, the last month with judged tasks (one query)."""
    month = f"{today:%Y-%m}"
    first, last = period_range(month=month)
    judged = tasks.exclude(status=TaskStatus.PLANNED)
    latest = judged.filter(date__lte=last).order_by("-date").values_list("date", flat=True).first()
    return f"{latest:%Y-%m}" if latest and latest < first else month


def _groups(rows, key, params, links) -> list[tuple[str, Figures]]:
    """The rows' figures by ``key``, each with the links of its counts in ``.links`` (``params(row)``: the
    group's filter on the task list)."""
    groups: dict[str, Figures] = {}
    for row in rows:
        if row[key] not in groups:
            groups[row[key]] = Figures()
            groups[row[key]].links = links(params(row))
        groups[row[key]].add(row)
    return sorted(groups.items())


def patrol_panel(user, *, today: date | None = None) -> dict | None:
    if not user.has_perm("patrols.view_patroltask"):
        return None
    today = today or timezone.localdate()
    tasks = scope_queryset(PatrolTask.objects.all(), user)
    month = panel_month(tasks, today)
    first, last = period_range(month=month)
    rows = task_rows(tasks.filter(date__gte=first, date__lte=last))
    report = reverse("admin:patrols_patroltask_report")
    changelist = reverse("admin:patrols_patroltask_changelist")
    agreements = scope_queryset(ProtectionAgreement.objects.all(), user)

    def links(query: dict) -> dict:
        """The task list of a group's counts: all its tasks of the month, and the missed ones."""
        query = {"date__year": str(first.year), "date__month": str(first.month), **query}
        return {
            "tasks": f"{changelist}?{urlencode(query)}",
            "missed": f"{changelist}?{urlencode({**query, 'status__exact': TaskStatus.MISSED})}",
        }

    def county(row):
        if row["team__county"]:
            return {"team__county": row["team__county"]}  # the list's county filter (AllValuesFieldListFilter)
        return {"team__county__isnull": "True"}  # no team: shown as —

    return {
        "month": month,
        "total": figures_total(rows),
        "links": links({}),
        "by_county": _groups(rows, "county", county, links),
        "by_company": _groups(rows, "company", lambda row: {"company": row["section__pipeline__company_id"]}, links),
        "report_url": f"{report}?month={month}",
        "map_url": f"{reverse('admin:patrols_patroltask_report_map')}?month={month}",
        "expired_agreements": agreements_expired(agreements, on=today).count(),
        "expired_url": reverse("admin:patrols_protectionagreement_changelist") + "?expired=1",
    }
