"""The office's patrol report: for a day or a month, which sections of which pipelines were patrolled, how
well, by which team, and what was missed — per county, company, team and pipeline.

Figures of a group of tasks (the tasks judged; tasks still planned are counted apart):
- coverage rate = covered length / required length, summed over the tasks (a missed task covers 0 m);
- arrival rate = checkpoints visited / checkpoints required, summed over the tasks;
- uncovered km = the length of the tasks' uncovered ranges, summed.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from patrols.choices import TaskStatus, TimeWindow
from patrols.models import PatrolTask

EXCEPTION_LABELS = {
    "missed_checkpoint": "missed checkpoint (漏检)",
    "uncovered": "uncovered range (漏巡)",
    "gap": "gap",
    "overspeed": "overspeed (超速)",
    "late_start": "late start",
    "early_end": "early end",
}


def exception_text(item) -> str:
    if not isinstance(item, dict):
        return str(item)
    kind = item.get("kind", "")
    if kind == "missed_checkpoint":
        return _("missed checkpoint (漏检) %(code)s") % {"code": item.get("code", "")}
    if kind == "uncovered":
        return _("uncovered range (漏巡) %(from)s–%(to)s m") % {
            "from": f"{item.get('from_m', 0):.0f}",
            "to": f"{item.get('to_m', 0):.0f}",
        }
    if kind == "gap":
        return _("gap (%(legs)s legs) from %(start)s to %(end)s (%(seconds)s s, %(length)s m)") % {
            "legs": item.get("legs", 1),
            "start": item.get("start", ""),
            "end": item.get("end", ""),
            "seconds": item.get("seconds", ""),
            "length": item.get("length_m", ""),
        }
    if kind == "overspeed":
        return _("overspeed (超速, %(legs)s legs) from %(start)s to %(end)s: up to %(speed)s km/h") % {
            "legs": item.get("legs", 1),
            "start": item.get("start", ""),
            "end": item.get("end", ""),
            "speed": item.get("speed_kmh", ""),
        }
    if kind == "gap_more":
        return _("and %(runs)s more gaps not listed") % {"runs": item.get("runs", 0)}
    if kind == "overspeed_more":
        return _("and %(runs)s more overspeed (超速) runs not listed") % {"runs": item.get("runs", 0)}
    if kind == "late_start":
        return _("started late: first fix %(time)s") % {"time": item.get("first_fix", "")}
    if kind == "early_end":
        return _("ended early: last fix %(time)s") % {"time": item.get("last_fix", "")}
    if kind == "no_fixes":
        return _("no fix in the time window")
    return _("exception: %(kind)s") % {"kind": kind or "—"}


def exception_texts(task: PatrolTask) -> list[str]:
    return [exception_text(item) for item in task.exceptions or []]


def period_range(*, day: date | None = None, month: str | None = None) -> tuple[date, date]:
    """The first and last date of the report's period: one day, or a month given as YYYY-MM."""
    if month:
        year, number = (int(part) for part in month.split("-"))
        return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    return day, day


def percent(value) -> str:
    """A rate as the pages show it: 89.86%."""
    return "—" if value is None else f"{value * 100:.2f}%"


@dataclass
class Figures:
    tasks: int = 0
    planned: int = 0
    done: int = 0
    partly_done: int = 0
    missed: int = 0
    length_m: float = 0.0
    covered_m: float = 0.0
    uncovered_m: float = 0.0
    required: int = 0
    visited: int = 0
    missed_checkpoints: list = field(default_factory=list)

    def add(self, task: dict) -> None:
        self.tasks += 1
        status = task["status"]
        if status == TaskStatus.PLANNED:
            self.planned += 1
            return
        setattr(self, status, getattr(self, status) + 1)
        self.length_m += task["length_m"]
        self.covered_m += task["covered_m"]
        self.uncovered_m += task["uncovered_m"]
        self.required += task["required"]
        self.visited += task["visited"]

    @property
    def coverage(self) -> float | None:
        return self.covered_m / self.length_m if self.length_m else None

    @property
    def arrival(self) -> float | None:
        return self.visited / self.required if self.required else None

    @property
    def coverage_pct(self) -> str:
        return percent(self.coverage)

    @property
    def arrival_pct(self) -> str:
        return percent(self.arrival)

    @property
    def uncovered_km(self) -> str:
        return f"{self.uncovered_m / 1000:.3f}"

    @property
    def judged(self) -> int:
        return self.tasks - self.planned


def task_rows(queryset) -> list[dict]:
    """The tasks as plain rows with their figures (one query)."""
    rows = queryset.order_by("date", "section__pipeline__code", "section__from_m", "time_window", "seq").values(
        "pk",
        "date",
        "time_window",
        "kind",
        "seq",
        "status",
        "coverage",
        "arrival",
        "report",
        "exceptions",
        "section_id",
        "section__code",
        "section__from_m",
        "section__to_m",
        "section__pipeline_id",
        "section__pipeline__code",
        "section__pipeline__company_id",
        "section__pipeline__company__name",
        "team_id",
        "team__name",
        "team__county",
    )
    out = []
    for row in rows:
        report = row["report"] or {}
        length = float(report.get("length_m") or (row["section__to_m"] - row["section__from_m"]))
        uncovered = report.get("uncovered")
        if uncovered is None:
            uncovered = [] if row["status"] == TaskStatus.PLANNED else [[row["section__from_m"], row["section__to_m"]]]
        covered = report.get("covered_m")
        if covered is None:
            covered = (row["coverage"] or 0.0) * length
        out.append(
            {
                **row,
                "window_label": TimeWindow(row["time_window"]).label,
                "county": row["team__county"] or "—",
                "company": row["section__pipeline__company__name"],
                "team": row["team__name"] or "—",
                "pipeline": row["section__pipeline__code"],
                "length_m": length,
                "covered_m": float(covered),
                "uncovered": uncovered,
                "uncovered_m": sum(b - a for a, b in uncovered),
                "required": int(report.get("checkpoints_required") or 0),
                "visited": int(report.get("checkpoints_visited") or 0),
                "missed_codes": list(report.get("missed") or []),
            }
        )
    return out


GROUPS = ("county", "company", "team", "pipeline")


def figures_by(rows, key: str) -> list[tuple[str, Figures]]:
    groups: dict[str, Figures] = {}
    for row in rows:
        groups.setdefault(row[key], Figures()).add(row)
    return sorted(groups.items())


def figures_total(rows) -> Figures:
    total = Figures()
    for row in rows:
        total.add(row)
    return total


def section_rows(rows) -> list[dict]:
    """Per section: its tasks' figures, and the union of its tasks' uncovered ranges (merged)."""
    sections: dict[int, dict] = {}
    for row in rows:
        entry = sections.setdefault(
            row["section_id"],
            {
                "section_id": row["section_id"],
                "code": row["section__code"],
                "pipeline": row["pipeline"],
                "pipeline_id": row["section__pipeline_id"],
                "from_m": row["section__from_m"],
                "to_m": row["section__to_m"],
                "team": row["team"],
                "county": row["county"],
                "company": row["company"],
                "figures": Figures(),
                "ranges": [],
                "missed_codes": set(),
            },
        )
        entry["figures"].add(row)
        entry["ranges"].extend(row["uncovered"])
        entry["missed_codes"].update(row["missed_codes"])
    for entry in sections.values():
        entry["uncovered"] = merge_ranges(entry.pop("ranges"))
        entry["missed_codes"] = sorted(entry["missed_codes"])
    return sorted(sections.values(), key=lambda e: (e["pipeline"], e["from_m"]))


def merge_ranges(ranges) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def ranges_text(ranges) -> str:
    return "; ".join(f"K{a / 1000:.3f}–K{b / 1000:.3f}" for a, b in ranges)
