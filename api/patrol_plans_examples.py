"""Bilingual examples of the patrol sections, checkpoints and tasks API (api/patrol_plans.py)."""

from api.examples import response

SECTION = {
    "id": 12,
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[118.512341, 37.401223], [118.516802, 37.431901]]},
    "properties": {
        "code": "DY-YY-001-S02",
        "name": "永安储气站至稻庄末站原油管道 第2段",
        "pipeline": 1,
        "pipeline_code": "DY-YY-001",
        "company": 13,
        "from_m": 14708.4,
        "to_m": 29416.9,
        "length_m": 14708.5,
        "team": 4,
        "team_name": "垦利区永安石油管道巡护队",
        "county": "垦利区",
        "frequency": 1,
        "period": "day",
        "mode": "walk",
        "time_window": "day",
        "coverage_width_m": 20.0,
        "active": True,
    },
}
SECTION_EXAMPLES = [response("责任管段(坐标已截短)", "A patrol section (coordinates shortened)", SECTION)]
SECTION_DESCRIPTION = (
    "责任管段:所在管道及起止里程(m)、巡护队伍、巡检频次(每天、每周、每月)、巡检方式(步行、骑行、车巡、无人机)、"
    "巡检时段(白天、夜间)和覆盖宽度;几何为管道中心线上的该段。可按 pipeline、company、team、mode、time_window 和"
    " in_bbox 筛选。"
    " Patrol sections: pipeline and chainage from/to (m), team, required frequency (per day, week, month), mode"
    " (walk, bicycle, vehicle, drone), time window (day, night) and coverage width; the geometry is the stretch of"
    " the pipeline's centreline. Filters: pipeline, company, team, mode, time_window, in_bbox."
)
BAD_MODE = response(
    "筛选值不在可选范围", "Unknown filter value", {"mode": ["选择一个有效的选项。 run 不在可用的选项中。"]}
)

CHECKPOINT = {
    "id": 301,
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [118.513952, 37.409871]},
    "properties": {
        "code": "DY-YY-001-K012",
        "name": "DY-YY-001 12 号里程桩",
        "pipeline": 1,
        "pipeline_code": "DY-YY-001",
        "company": 13,
        "kind": "mile_marker",
        "chainage_m": 12000.0,
        "radius_m": 30.0,
    },
}
CHECKPOINT_EXAMPLES = [response("巡检点", "A checkpoint", CHECKPOINT)]
CHECKPOINT_DESCRIPTION = (
    "巡检点(打卡点):里程桩、阀室、穿跨越点、高后果区等,所在管道、里程和到位半径(m)。可按 pipeline、company、kind 和"
    " in_bbox 筛选。"
    " Checkpoints: mile markers, valve rooms, crossings, HCA sites, with their pipeline, chainage and arrival"
    " radius (m). Filters: pipeline, company, kind, in_bbox."
)
BAD_KIND = response(
    "筛选值不在可选范围", "Unknown filter value", {"kind": ["选择一个有效的选项。 tower 不在可用的选项中。"]}
)

TASK = {
    "id": 5120,
    "section": 12,
    "section_code": "DY-YY-001-S02",
    "pipeline": 1,
    "pipeline_code": "DY-YY-001",
    "company": 13,
    "from_m": 14708.4,
    "to_m": 29416.9,
    "date": "2026-11-20",
    "time_window": "day",
    "kind": "regular",
    "seq": 1,
    "team": 4,
    "team_name": "垦利区永安石油管道巡护队",
    "status": "partly_done",
    "coverage": 0.9214,
    "arrival": 0.9333,
    "report": {
        "pipeline_code": "DY-YY-001",
        "from_m": 14708.4,
        "to_m": 29416.9,
        "mode": "walk",
        "length_m": 14708.5,
        "covered_m": 13552.4,
        "coverage": 0.9214,
        "uncovered": [[20114.2, 21270.3]],
        "checkpoints_required": 15,
        "checkpoints_visited": 14,
        "missed": ["DY-YY-001-K021"],
        "gaps": 1,
        "overspeed_legs": 0,
    },
    "exceptions": [
        {"kind": "missed_checkpoint", "code": "DY-YY-001-K021"},
        {"kind": "uncovered", "from_m": 20114.2, "to_m": 21270.3},
        {
            "kind": "gap",
            "start": "2026-11-20T09:41:12+08:00",
            "end": "2026-11-20T09:56:40+08:00",
            "seconds": 928.0,
            "length_m": 1180.6,
            "speed_kmh": 4.6,
        },
    ],
    "judged_at": "2026-11-21T04:30:12+08:00",
}
TASK_EXAMPLES = [response("部分完成的巡检任务", "A partly done patrol task", TASK)]
TASK_DESCRIPTION = (
    "巡检任务:每天由责任管段的巡检频次生成(盗油热点另加夜巡),次日凌晨按轨迹评定:状态(待巡检、已完成、部分完成、漏巡)、"
    "覆盖率、到位率、评定报告(未覆盖里程段、漏检巡检点、信号中断、超速)和异常。可按 date_after、date_before、status、"
    "kind、section、pipeline、company、team 筛选。"
    " Patrol tasks: generated each day from the sections' frequencies (plus night patrols on theft hotspots),"
    " judged the next night from the tracks: status (planned, done, partly done, missed), coverage rate, arrival"
    " rate, the report (uncovered ranges, missed checkpoints, gaps, overspeed) and the exceptions. Filters:"
    " date_after, date_before, status, kind, section, pipeline, company, team."
)
BAD_TASK_DATE = response(
    "筛选参数格式错误", "Malformed filter", {"date_after": ["输入一个有效的日期。"]}, description="YYYY-MM-DD."
)
BAD_STATUS = response(
    "筛选值不在可选范围", "Unknown filter value", {"status": ["选择一个有效的选项。 late 不在可用的选项中。"]}
)
