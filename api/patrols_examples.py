"""Bilingual examples of the patrol API (api/patrols.py), checked against the schema and the API."""

from drf_spectacular.utils import OpenApiResponse

from api.examples import forbidden, request, response, unauthorized

FIXES_ZH = {
    "device_id": "河口巡护一队-01",
    "fixes": [
        {"time": "2026-11-21T08:00:00+08:00", "lon": 118.53012, "lat": 37.45120, "accuracy_m": 6.0},
        {"time": "2026-11-21T08:00:05+08:00", "lon": 118.53018, "lat": 37.45131, "accuracy_m": 5.5},
    ],
}
FIXES_EN = {
    "device_id": "GT-0001",
    "fixes": [
        {"time": "2026-11-21T00:00:00Z", "lon": 118.53012, "lat": 37.45120},
        {"time": "2026-11-21T00:00:05Z", "lon": 118.53018, "lat": 37.45131, "accuracy_m": 12},
    ],
}
FIXES_MANY = {
    "batches": [
        {"device_id": "GT-0001", "fixes": FIXES_EN["fixes"]},
        {"device_id": "GT-0002", "fixes": [{"time": "2026-11-21T08:00:00+08:00", "lon": 118.6, "lat": 37.4}]},
    ]
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "batch": {"type": "integer", "description": "批次序号(batches 时,从 0 起) / Batch index (from 0)"},
        "index": {"type": "integer", "description": "出错定位点的序号(从 0 起) / Index of the bad fix (from 0)"},
        "field": {"type": "string"},
    },
    "required": ["detail"],
}

FIXES = {
    "description": "上传巡检定位点(GPS):每个设备一批(device_id + fixes),或多个设备 batches;每次最多 10000 个点。"
    "按(设备, 时间)去重:同一批重复发送不会重复入库。设备须先在后台登记;企业只能为本企业巡护队伍的设备上传。"
    "时间须带时区(ISO 8601),经纬度为 WGS84/CGCS2000,accuracy_m(米)可省略,大于 50 米的点不参与评判。"
    " Send GPS fixes: one device's batch (device_id + fixes) or several devices' (batches); at most 10,000 fixes"
    " per request. Idempotent on (device, time): a batch sent twice adds nothing. Devices are registered in the"
    " admin first; a company sends for its own teams' devices. Times in ISO 8601 with their offset; lon/lat in"
    " WGS84/CGCS2000; accuracy_m (m) is optional, fixes worse than 50 m are not used by the judgement.",
    "examples": [
        request("一个设备的一批定位点", "One device's batch (Chinese device name)", FIXES_ZH),
        request("一个设备的一批定位点(英文编号)", "One device's batch", FIXES_EN),
        request("多个设备", "Several devices", FIXES_MANY),
        response("已入库", "Stored", {"received": 2, "added": 2, "duplicates": 0}, status_codes=["200"]),
        response("重复发送", "Sent again", {"received": 2, "added": 0, "duplicates": 2}, status_codes=["200"]),
    ],
}
FIXES_RESPONSES = {
    400: OpenApiResponse(
        ERROR_SCHEMA,
        description="请求无效,指明出错的定位点 / Invalid request, naming the bad fix",
        examples=[
            response(
                "经度超出范围",
                "Longitude out of range",
                {
                    "detail": "第 3 个定位点:lon 须在 -180 与 180 之间。",
                    "code": "invalid_fix",
                    "index": 3,
                    "field": "lon",
                },
            ),
            response(
                "时间缺少时区",
                "Time without its offset",
                {
                    "detail": "第 0 个定位点:time 缺少时区(例如 2026-11-21T08:00:05+08:00)。",
                    "code": "invalid_fix",
                    "index": 0,
                    "field": "time",
                },
            ),
        ],
    ),
    401: unauthorized(),
    403: forbidden(
        response(
            "其他企业的设备",
            "Another company's device",
            {"detail": "您无权为设备 GT-0009 上传定位点。", "code": "not_permitted"},
        )
    ),
    413: OpenApiResponse(
        ERROR_SCHEMA,
        description="定位点超过 10000 个 / More than 10,000 fixes",
        examples=[
            response(
                "一次超过 10000 个点",
                "Over 10,000 fixes",
                {"detail": "每批最多 10000 个定位点(收到 12000 个)。", "code": "too_many_fixes"},
            )
        ],
    ),
    422: OpenApiResponse(
        ERROR_SCHEMA,
        description="格式正确但被规则拒绝:设备未登记、时间在将来或早于 2000 年、两种写法都没有或同时使用"
        " / Well-formed but refused: the device is not registered, a time in the future or before 2000,"
        " neither form of the body or both",
        examples=[
            response(
                "时间在将来",
                "A time in the future",
                {
                    "detail": "第 0 个定位点:time 在将来。",
                    "code": "refused_fix",
                    "index": 0,
                    "field": "time",
                },
            ),
            response(
                "两种写法同时使用",
                "Both forms at once",
                {"detail": "请发送 device_id 与 fixes,或 batches(二者择一)。", "code": "invalid_shape"},
            ),
            response(
                "设备未登记",
                "Device not registered",
                {"detail": "未知设备 GT-9999:请先在后台(巡护 › 设备)登记。", "code": "unknown_device"},
            ),
        ],
    ),
}

TRACK = {
    "id": 12,
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[118.53012, 37.4512], [118.53018, 37.45131]]},
    "properties": {
        "device_id": "GT-0001",
        "team": 3,
        "team_name": "河口区专职巡护队",
        "company": 5,
        "task": 481,
        "mode": "walk",
        "source": "gpx",
        "started_at": "2026-11-21T08:30:00+08:00",
        "ended_at": "2026-11-21T11:42:05+08:00",
        "fix_count": 2306,
        "length_m": 6120.4,
        "report": {
            "pipeline_code": "DY-001",
            "from_m": 2000,
            "to_m": 8000,
            "mode": "walk",
            "length_m": 6000.0,
            "covered_m": 5391.3,
            "coverage": 0.8986,
            "uncovered": [[4210.5, 4819.2]],
            "checkpoints_required": 7,
            "checkpoints_visited": 6,
            "missed": ["K4"],
            "gaps": 1,
            "overspeed_legs": 0,
        },
    },
}
TRACK_EXAMPLES = [response("巡检轨迹及评判报告", "A patrol track with its report", TRACK)]
TRACKS_DESCRIPTION = (
    "巡检轨迹(设备上报、手机巡检页或 GPX 上传):线、起止时间、定位点数、长度(m)及对所属管段的评判报告"
    "(覆盖率、漏巡区间、巡检点到位、中断、超速,见 docs/patrols.md)。企业只看到本企业付费队伍的轨迹。"
    "可按 team、company、task、device_id、mode、started_after、started_before 和 in_bbox 筛选。"
    " Patrol tracks (from devices, the field page or GPX uploads): the line, start and end, fixes, length (m) and"
    " the report against their section (coverage, uncovered ranges, checkpoints, gaps, overspeed; see"
    " docs/patrols.md). A company sees the tracks of the teams it pays. Filters: team, company, task, device_id,"
    " mode, started_after, started_before, in_bbox."
)
