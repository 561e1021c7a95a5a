"""Bilingual examples of the emergency API (api/emergency.py), checked against the schema and the API."""

from api.examples import conflict, forbidden, invalid, not_found, request, response, unauthorized
from api.examples import read_responses as _read_responses

ANSWER = {
    "pipeline_code": "DY-CP-005",
    "chainage_m": 10208.2,
    "valves_to_close": [
        {"code": "V-DY-CP-005-02", "kind": "remote", "pipeline_code": "DY-CP-005", "chainage_m": 10058.2},
        {"code": "V-DY-CP-005-03", "kind": "remote", "pipeline_code": "DY-CP-005", "chainage_m": 20499.6},
    ],
    "isolated": [{"pipeline_code": "DY-CP-005", "from_m": 10058.2, "to_m": 20499.6}],
    "isolated_length_m": 10441.4,
    "volume_m3": 804.4,
    "passed": [],
    "open_ends": [],
    "distance_to_pipeline_m": 0.0,
    "reach": {
        "radius_m": 200.0,
        "hca_segments": [],
        "sites": [{"id": "S0012", "name": "陈官小学", "site_type": "school", "distance_m": 154.2}],
        "settlements": [],
        "buildings": 3,
        "water": [],
        "roads": [],
    },
    "contacts": {"company": {"name": "垦利中垣石化管输有限公司", "contact_person": "曹庆丰", "phone": "18618101218"}},
    "place": {"lon": 118.5199315, "lat": 37.0786707},
}
NO_PIPELINE = {
    "pipeline_code": None,
    "searched_within_m": 50.0,
    "valves_to_close": [],
    "isolated": [],
    "isolated_length_m": 0.0,
    "volume_m3": 0.0,
    "passed": [],
    "open_ends": [],
}
UNKNOWN_VALVE = {"detail": "未知的阀门编号:V-XX-99。", "code": "refused"}

ISOLATION = {
    "description": "截断分析(不作记录):事发点最近 50 米内的管道及里程、需关闭的阀门(远控、自动在前,手动按沿管网距离)、"
    "截断管段及管存、途经阀门、开口端、影响半径内的高后果区管段/特定场所/村镇/建筑物/水体/道路、应急联系人。"
    "failed 为无法关闭的阀门编号(逗号分隔),用于计算下一圈阀门。仅供监管部门与市平台。"
    " The isolation answer for a point (nothing recorded): the pipeline within 50 m and the chainage, the valves"
    " to close (remote and automatic first, then manual by distance along the network), the isolated stretches and"
    " what they hold, valves passed, open ends, what lies within reach, the contacts. failed: valves that could not"
    " be closed (comma-separated codes), for the next ring. For the office and the city platform only.",
    "examples": [
        response("截断分析结果", "Isolation answer", ANSWER, status_codes=["200"]),
        response("50 米内没有管道", "No pipeline within 50 m", NO_PIPELINE, status_codes=["200"]),
    ],
}
ISOLATION_RESPONSES = {
    400: invalid(
        response(
            "经纬度缺失", "Longitude and latitude missing", {"lon": ["该字段是必填项。"], "lat": ["该字段是必填项。"]}
        )
    ),
    401: unauthorized(),
    403: forbidden(
        response(
            "企业的 API Key 或企业人员",
            "A company's key or staff",
            {"detail": "截断分析显示整个管网:仅供监管部门与市平台使用。"},
        )
    ),
}

INCIDENT = {
    "id": 4,
    "code": "SJ-2026-0004",
    "kind": "leak",
    "level": "III",
    "source": "platform",
    "status": "reported",
    "occurred_at": "2026-12-07T07:30:00+08:00",
    "description": "麦田内闻到油气味",
    "reporter": "网格员 刘敏",
    "lon": 118.5215,
    "lat": 37.0788,
    "pipeline_code": "DY-CP-005",
    "company_name": "垦利中垣石化管输有限公司",
    "chainage_m": 10208.2,
    "is_drill": False,
    "failed_valves": [],
    "trace": ANSWER,
    "hazards": [],
    "steps": [{"kind": "reported", "at": "2026-12-07T07:38:00+08:00", "comment": ""}],
}
INCIDENT_EXAMPLE = [response("突发事件", "An incident", INCIDENT)]
REPORT_ZH = {
    "kind": "leak",
    "level": "III",
    "occurred_at": "2026-12-07T07:30:00+08:00",
    "lon": 118.5215,
    "lat": 37.0788,
    "description": "麦田内闻到油气味,地面可见油迹",
    "reporter": "网格员 刘敏",
}
REPORT_EN = {
    **REPORT_ZH,
    "description": "Smell of oil in a wheat field, oil visible on the ground",
    "reporter": "grid 17",
}
REPORT = {
    "description": "报告突发事件:记录事件并按报告时的管网计算截断与影响范围(之后管网变化不改变记录)。请求头"
    " Idempotency-Key 必填,规则同事件上报。"
    " Report an incident: it is recorded with the isolation answer computed now (later changes to the network do"
    " not alter it). The Idempotency-Key header is required, as for event intake.",
    "examples": [
        request("中文报告", "Report in Chinese", REPORT_ZH),
        request("英文报告", "Report in English", REPORT_EN),
        response("已登记", "Recorded", INCIDENT, status_codes=["201"]),
    ],
}
REPORT_RESPONSES = {
    400: invalid(
        response(
            "缺少 Idempotency-Key",
            "Missing Idempotency-Key",
            {
                "detail": "请发送 Idempotency-Key 请求头:1 至 255 个可见 ASCII 字符,不含空格。",
                "code": "idempotency_key_missing",
            },
        ),
        response("字段无效", "Invalid fields", {"kind": ["该字段是必填项。"]}),
    ),
    401: unauthorized(),
    403: forbidden(),
}
REFUSED_EXAMPLES = [
    response("时间在将来", "A time in the future", {"detail": "事件发生时间须在 2000 年至今之间。", "code": "refused"}),
    response("未知阀门", "An unknown valve", UNKNOWN_VALVE),
]

STEP_ZH = {"kind": "valves_closed", "comment": "两座阀室均已关闭"}
STEP_EN = {"kind": "valves_closed", "at": "2026-12-07T08:05:00+08:00", "comment": "Both valve stations closed"}
STEP = {
    "description": "记录处置时间线的下一步(已报告 → 阀门已关闭 → 泄漏已控制 → 现场已清理 → 已结束;"
    "可跳过,不可重复或倒退)。"
    " The next step of the time line (reported → valves closed → leak stopped → area cleared → closed; a step may"
    " be skipped, never repeated or taken back).",
    "examples": [
        request("中文记录", "Step in Chinese", STEP_ZH),
        request("英文记录", "Step in English", STEP_EN),
        response("已记录", "Recorded", {**INCIDENT, "status": "valves_closed"}, status_codes=["200"]),
    ],
}
FAILED_ZH = {"valve": "V-DY-CP-005-03", "comment": "阀门卡死,无法关闭"}
FAILED_EN = {"valve": "V-DY-CP-005-03", "comment": "Stuck, would not close"}
FAILED = {
    "description": "报告阀门无法关闭:按其之外的下一圈阀门重新计算,两次结果均保留在时间线中。"
    " A valve could not be closed: the next ring of valves is computed; both answers stay on the time line.",
    "examples": [
        request("中文报告", "Report in Chinese", FAILED_ZH),
        request("英文报告", "Report in English", FAILED_EN),
        response("已重新计算", "Recomputed", {**INCIDENT, "failed_valves": ["V-DY-CP-005-03"]}, status_codes=["200"]),
    ],
}


def action_responses(missing_field: str) -> dict:
    return {
        400: invalid(response("字段缺失", "A field missing", {missing_field: ["该字段是必填项。"]})),
        401: unauthorized(),
        403: forbidden(),
        404: not_found("Incident"),
        409: conflict(
            response(
                "时间线不允许",
                "Not allowed by the time line",
                {"detail": "事件已处于“已结束”:不能再记录“泄漏已控制”。", "code": "refused"},
            )
        ),
    }


def read_responses(*, list_view: bool) -> dict:
    return _read_responses("Incident", list_view=list_view)
