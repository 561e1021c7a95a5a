"""The feature collections served at /ogc/collections.

``COLLECTIONS`` is the registry: one ``Collection`` per id, in the order they
are listed. To publish another layer, describe it here and ``register`` it.

Collections: pipelines, hazards, hca_segments (high-consequence areas), valves, incidents, the patrols'
patrol_sections, checkpoints and patrol_tasks, the security register's theft_incidents and refinery_points,
the construction register's construction_sites,
the video pilot's cameras, and the patrols' patrol_tracks.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import QuerySet

from hca.choices import GRADE_NAMES


def _as_float(value):
    return None if value is None else float(value)


def _as_date(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@dataclass(frozen=True)
class Collection:
    """One OGC API feature collection backed by a GeoDjango model."""

    id: str
    title: str
    description: str
    model_label: str  # "app_label.ModelName"
    geometry_field: str
    # property name -> ORM lookup passed to ``values()``
    properties: dict[str, str]
    # property name -> function turning the database value into JSON
    converters: dict[str, Callable] = field(default_factory=dict)
    select_related: tuple[str, ...] = ()
    # The temporal property (a DateField or DateTimeField), if any: the collection's
    # extent.temporal and what the items' ``datetime`` parameter filters on.
    temporal_field: str | None = None

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def queryset(self) -> QuerySet:
        """Every row, in a stable order (by primary key); not yet scoped."""
        queryset = self.model._default_manager.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset.order_by("pk")

    def feature_properties(self, row: dict) -> dict:
        result = {}
        for name, lookup in self.properties.items():
            value = row[lookup]
            convert = self.converters.get(name)
            if convert is not None:
                value = convert(value)
            elif isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, (date, datetime)):
                value = value.isoformat()
            result[name] = value
        return result


COLLECTIONS: dict[str, Collection] = {}


def register(collection: Collection) -> None:
    COLLECTIONS[collection.id] = collection


register(
    Collection(
        id="pipelines",
        title="油气管道 · Oil and gas pipelines",
        description="城市油气管道走向(EPSG:4326)。Routes of the city's oil and gas pipelines.",
        model_label="pipelines.Pipeline",
        geometry_field="route",
        properties={
            "code": "code",
            "name": "name",
            "company_name": "company__name",
            "medium": "medium",
            "outer_diameter_mm": "outer_diameter_mm",
            "maop_mpa": "maop_mpa",
            "status": "status",
            "length_m": "length_m",
            "commissioned_on": "commissioned_on",
        },
        converters={
            "outer_diameter_mm": _as_float,
            "maop_mpa": _as_float,
            "length_m": _as_float,
            "commissioned_on": _as_date,
        },
        temporal_field="commissioned_on",  # a pipeline without a date matches any datetime
    )
)

register(
    Collection(
        id="hazards",
        title="安全隐患 · Safety hazards",
        description="管道安全隐患位置及整改状态。Locations of pipeline safety hazards and their rectification state.",
        model_label="hazards.Hazard",
        geometry_field="location",
        properties={
            "code": "code",
            "company_name": "company__name",
            "pipeline_code": "pipeline__code",
            "category": "category",
            "level": "level",
            "status": "status",
            "is_overdue": "is_overdue",
            "found_on": "found_on",
            "deadline": "deadline",
        },
        converters={"found_on": _as_date, "deadline": _as_date},
        temporal_field="found_on",
    )
)


def _grade_name(value):
    return GRADE_NAMES.get(value, value)


def _sorted_list(value):
    return sorted(value or [])


register(
    Collection(
        id="hca_segments",
        title="高后果区管段 · High-consequence area segments",
        description=(
            "按 GB 32167-2015 识别的高后果区管段:起止里程、等级(I/II/III)、触发的识别准则、审核状态。"
            "HCA segments identified by GB 32167-2015: chainage from and to, grade, the rules that fired, review."
        ),
        model_label="hca.HcaSegment",
        geometry_field="geom",
        properties={
            "pipeline_code": "pipeline__code",
            "company_name": "pipeline__company__name",
            "rule_set": "rule_set",
            "start_m": "start_m",
            "end_m": "end_m",
            "grade": "grade",
            "rules": "rules",
            "review_status": "review_status",
            "video_pilot": "video_pilot",
            "identified_at": "identified_at",
        },
        converters={"grade": _grade_name, "rules": _sorted_list, "identified_at": _as_date},
        temporal_field="identified_at",
    )
)

register(
    Collection(
        id="valves",
        title="阀门 · Valves",
        description=(
            "管道截断阀:类型(手动、远控、自动截断、止回)、能否操作、所在管道及里程。"
            "Block valves: kind (manual, remote, automatic, check), whether operable, pipeline and chainage."
        ),
        model_label="emergency.Valve",
        geometry_field="location",
        properties={
            "code": "code",
            "name": "name",
            "pipeline_code": "pipeline__code",
            "company_name": "pipeline__company__name",
            "kind": "kind",
            "operable": "operable",
            "chainage_m": "chainage_m",
        },
    )
)

register(
    Collection(
        id="incidents",
        title="突发事件 · Incidents",
        description=(
            "管道突发事件:类型、级别、状态、所在管道及里程、发生时间。"
            "Pipeline incidents: kind, level, status, pipeline and chainage, time of occurrence."
        ),
        model_label="emergency.Incident",
        geometry_field="location",
        properties={
            "code": "code",
            "kind": "kind",
            "level": "level",
            "status": "status",
            "source": "source",
            "pipeline_code": "pipeline__code",
            "company_name": "company__name",
            "chainage_m": "chainage_m",
            "occurred_at": "occurred_at",
            "is_drill": "is_drill",
        },
        converters={"occurred_at": _as_date},
        temporal_field="occurred_at",
    )
)

register(
    Collection(
        id="patrol_sections",
        title="责任管段 · Patrol sections",
        description=(
            "管道巡护责任管段:所在管道及起止里程、巡护队伍、频次、巡检方式和时段。"
            "Patrol sections: pipeline and chainage range, team, frequency, mode and time window."
        ),
        model_label="patrols.PatrolSection",
        geometry_field="line",
        properties={
            "code": "code",
            "pipeline_code": "pipeline__code",
            "company_name": "pipeline__company__name",
            "from_m": "from_m",
            "to_m": "to_m",
            "team_name": "team__name",
            "county": "team__county",
            "frequency": "frequency",
            "period": "period",
            "mode": "mode",
            "time_window": "time_window",
        },
    )
)

register(
    Collection(
        id="checkpoints",
        title="巡检点 · Patrol checkpoints",
        description=(
            "巡检点(打卡点):类型、所在管道及里程、到位半径。"
            "Patrol checkpoints: kind, pipeline and chainage, arrival radius."
        ),
        model_label="patrols.Checkpoint",
        geometry_field="location",
        properties={
            "code": "code",
            "name": "name",
            "pipeline_code": "pipeline__code",
            "company_name": "pipeline__company__name",
            "kind": "kind",
            "chainage_m": "chainage_m",
            "radius_m": "radius_m",
        },
    )
)

register(
    Collection(
        id="patrol_tasks",
        title="巡检任务 · Patrol tasks",
        description=(
            "巡检任务及其评定:日期、时段、状态、覆盖率、到位率;几何为其责任管段。"
            "Patrol tasks with their figures: date, window, status, coverage and arrival rates; the geometry is"
            " the task's section."
        ),
        model_label="patrols.PatrolTask",
        geometry_field="section__line",
        properties={
            "section_code": "section__code",
            "pipeline_code": "section__pipeline__code",
            "company_name": "section__pipeline__company__name",
            "team_name": "team__name",
            "date": "date",
            "time_window": "time_window",
            "kind": "kind",
            "status": "status",
            "coverage": "coverage",
            "arrival": "arrival",
        },
        temporal_field="date",
    )
)


register(
    Collection(
        id="theft_incidents",
        title="打孔盗油案事件 · Theft incidents",
        description=(
            "打孔盗油案事件:所在管道及里程、区县、发现日期与方式、盗油方式、流程状态。"
            "Drilling-theft incidents: pipeline and chainage, county, found on and how, tap kind, life-cycle status."
        ),
        model_label="security.TheftIncident",
        geometry_field="location",
        properties={
            "code": "code",
            "pipeline_code": "pipeline__code",
            "company_name": "pipeline__company__name",
            "chainage_m": "chainage_m",
            "county": "county",
            "found_on": "found_on",
            "found_how": "found_how",
            "tap_kind": "tap_kind",
            "status": "status",
        },
        converters={"found_on": _as_date},
        temporal_field="found_on",
    )
)

register(
    Collection(
        id="refinery_points",
        title="土炼油点 · Illegal refinery points",
        description=(
            "土炼油点(监管部门的数据,企业不可见):类型、区县、发现与取缔日期、状态、死灰复燃次数。"
            "Illegal refinery points (the regulator's data, not shown to companies): kind, county, found and"
            " shut-down dates, status, times found working again."
        ),
        model_label="security.RefineryPoint",
        geometry_field="location",
        properties={
            "code": "code",
            "name": "name",
            "kind": "kind",
            "county": "county",
            "found_on": "found_on",
            "status": "status",
            "shut_down_on": "shut_down_on",
            "recurrences": "recurrences",
        },
        converters={"found_on": _as_date, "shut_down_on": _as_date},
        temporal_field="found_on",
    )
)


@dataclass(frozen=True)
class FilteredCollection(Collection):
    """A collection of only the rows matching ``where`` (a dict of ORM lookups)."""

    where: dict = field(default_factory=dict)

    def queryset(self) -> QuerySet:
        return super().queryset().filter(**self.where)


register(
    FilteredCollection(
        id="construction_sites",
        title="第三方施工作业点 · Construction sites",
        description=(
            "已批准(含已告知)或正在施工的第三方施工:申请编号、工程、施工单位、作业类型、状态、计划起止、批准有效期、"
            "开工日期。Approved (or notified) and under-way third-party construction works: number, project,"
            " contractor, work type, status, planned start and end, approval validity, start date."
        ),
        model_label="construction.Application",
        geometry_field="area",
        properties={
            "number": "number",
            "project": "project",
            "contractor_name": "contractor__name",
            "work_type": "work_type",
            "verdict": "verdict",
            "status": "status",
            "planned_start": "planned_start",
            "planned_end": "planned_end",
            "valid_until": "valid_until",
            "notice_sent_on": "notice_sent_on",
            "started_on": "started_on",
        },
        converters={
            "planned_start": _as_date,
            "planned_end": _as_date,
            "valid_until": _as_date,
            "notice_sent_on": _as_date,
            "started_on": _as_date,
        },
        temporal_field="planned_start",
        where={"status__in": ["approved", "notified", "under_way"]},
    )
)


register(
    Collection(
        id="cameras",
        title="摄像机 · Cameras",
        description=(
            "视频监控试点的摄像机:GB/T 28181 设备与通道编码、类型、方位角、视场角、有效距离、视频流链接、在线状态。"
            "Cameras of the video pilot: GB/T 28181 device and channel ids, kind, azimuth, field of view, range,"
            " stream link, status."
        ),
        model_label="video.Camera",
        geometry_field="location",
        properties={
            "code": "code",
            "name": "name",
            "device_id": "device_id",
            "channel_id": "channel_id",
            "kind": "kind",
            "azimuth_deg": "azimuth_deg",
            "fov_deg": "fov_deg",
            "range_m": "range_m",
            "height_m": "height_m",
            "company_name": "company__name",
            "pipeline_code": "pipeline__code",
            "stream_url": "stream_url",
            "status": "status",
        },
    )
)

register(
    Collection(
        id="patrol_tracks",
        title="巡检轨迹 · Patrol tracks",
        description=(
            "巡检轨迹:设备、巡护队伍、巡检方式、起止时间、定位点数、长度(m)、对所属管段的覆盖率与到位情况。"
            "Patrol tracks: device, team, mode, start and end, fixes, length (m), coverage and checkpoints of the"
            " section they were judged against."
        ),
        model_label="patrols.PatrolTrack",
        geometry_field="line",
        properties={
            "device_id": "device_id",
            "team_name": "team__name",
            "company_name": "team__company__name",
            "mode": "mode",
            "source": "source",
            "started_at": "started_at",
            "ended_at": "ended_at",
            "fix_count": "fix_count",
            "length_m": "length_m",
            "report": "report",
        },
        converters={"started_at": _as_date, "ended_at": _as_date},
        temporal_field="started_at",
    )
)
