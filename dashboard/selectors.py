"""Rectification statistics, computed in the database (a few aggregate queries)."""

from datetime import date
from statistics import median

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hazards.choices import OPEN_STATUSES, HazardLevel, HazardSource, HazardStatus

CLOSED = Q(status=HazardStatus.CLOSED)
OPEN = Q(status__in=OPEN_STATUSES)
OVERDUE = Q(is_overdue=True) & OPEN
MAJOR_OPEN = Q(level=HazardLevel.MAJOR) & OPEN


def _counts():
    return {
        "total": Count("id"),
        "open": Count("id", filter=OPEN),
        "overdue": Count("id", filter=OVERDUE),
        "closed": Count("id", filter=CLOSED),
        "major_open": Count("id", filter=MAJOR_OPEN),
    }


def _rate(row: dict) -> dict:
    row["closure_rate"] = round(100 * row["closed"] / row["total"], 1) if row["total"] else 0.0
    return row


def dashboard_stats(*, hazards) -> dict:
    """Figures for the dashboard from a (scoped, filtered) hazard queryset."""
    hazards = hazards.order_by()
    summary = _rate(hazards.aggregate(**_counts()))
    by_company = [
        _rate(row)
        for row in hazards.values("company_id", "company__name", "company__short_name")
        .annotate(**_counts())
        .order_by("-overdue", "-open", "company__short_name")
    ]
    by_campaign = [
        _rate(row)
        for row in hazards.exclude(campaign__isnull=True)
        .values("campaign_id", "campaign__name", "campaign__start_date")
        .annotate(**_counts())
        .order_by("-campaign__start_date")
    ]
    by_category = list(hazards.values("category").annotate(**_counts()).order_by("-total"))
    by_level = list(hazards.values("level").annotate(**_counts()).order_by("level"))
    return {
        "summary": summary,
        "by_company": by_company,
        "by_campaign": by_campaign,
        "by_category": by_category,
        "by_level": by_level,
        "trend": monthly_trend(hazards=hazards),
    }


def monthly_trend(*, hazards, months: int = 12, today: date | None = None) -> list[dict]:
    """Hazards found and closed per month over the last ``months`` months (Asia/Shanghai)."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - (months - 1)  # months counted from year 0
    first = date(index // 12, index % 12 + 1, 1)
    found = dict(
        hazards.filter(found_on__gte=first)
        .annotate(month=TruncMonth("found_on"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    closed = dict(
        hazards.filter(closed_at__date__gte=first)
        .annotate(month=TruncMonth("closed_at", tzinfo=timezone.get_current_timezone()))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    closed = {(m.date() if hasattr(m, "date") else m): n for m, n in closed.items()}
    found = {(m.date() if hasattr(m, "date") else m): n for m, n in found.items()}
    rows = []
    year, month = first.year, first.month
    for _ in range(months):
        key = date(year, month, 1)
        rows.append({"month": f"{year}-{month:02d}", "found": found.get(key, 0), "closed": closed.get(key, 0)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def _counts_by(hazards, field: str) -> dict:
    return dict(hazards.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))


def hazard_statistics(*, hazards) -> dict:
    """What the city platform pulls from GET /api/v1/stats/: the dashboard's
    figures plus counts by status and source and the median days to close."""
    stats = dashboard_stats(hazards=hazards)
    durations = [
        (closed_at.date() - found_on).days
        for found_on, closed_at in hazards.filter(status=HazardStatus.CLOSED).values_list("found_on", "closed_at")
    ]
    by_status = dict.fromkeys(HazardStatus.values, 0) | _counts_by(hazards, "status")
    summary = stats["summary"]
    return {
        "total": summary["total"],
        "open": summary["open"],
        "closed": summary["closed"],
        "overdue": summary["overdue"],
        "major_open": summary["major_open"],
        "closure_rate": summary["closure_rate"],
        "median_days_to_close": median(durations) if durations else None,
        "by_status": by_status,
        "by_level": {r["level"]: r["total"] for r in stats["by_level"]},
        "by_category": {r["category"]: r["total"] for r in stats["by_category"]},
        "by_source": dict.fromkeys(HazardSource.values, 0) | _counts_by(hazards, "source"),
        "by_company": [
            {
                "company": r["company_id"],
                "name": r["company__name"],
                "total": r["total"],
                "open": r["open"],
                "overdue": r["overdue"],
                "closed": r["closed"],
                "closure_rate": r["closure_rate"],
            }
            for r in stats["by_company"]
        ],
        "by_campaign": [
            {
                "campaign": r["campaign_id"],
                "name": r["campaign__name"],
                "total": r["total"],
                "overdue": r["overdue"],
                "closure_rate": r["closure_rate"],
            }
            for r in stats["by_campaign"]
        ],
        "trend": stats["trend"],
    }
