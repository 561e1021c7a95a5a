"""OpenAPI documentation of /api/v1/: bilingual descriptions, request and response examples.

Each operation has a description (Chinese first, English after), an example of
its success response and one of each error it answers (the JSON bodies of
api/errors.py); operations that take text have a Chinese and an English
request. Values come from the demo city and follow the serializers:
tests/test_api.py validates every example against the schema and posts the
event examples to the API.

Error messages are shown as the API sends them by default (in Chinese; a user
who chose English gets them in English).
"""

import copy

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api import serializers
from api.pagination import StableGeoJsonPagination


def example(zh: str, en: str, value, *, description: str = "", **options) -> OpenApiExample:
    """An example named and summarised in both languages (``options``: request_only, response_only, media_type…)."""
    return OpenApiExample(f"{zh} / {en}", value=value, summary=f"{zh} / {en}", description=description, **options)


def request(zh: str, en: str, value, **options) -> OpenApiExample:
    return example(zh, en, value, request_only=True, **options)


def response(zh: str, en: str, value, **options) -> OpenApiExample:
    return example(zh, en, value, response_only=True, **options)


class GeoJsonPagesWithExamples(StableGeoJsonPagination):
    """The same pages; only their schema differs. The page's ``type`` gets an example, so that
    drf-spectacular can wrap a feature example in a page (it needs an example for every member),
    and ``features`` is the array of features: rest_framework_gis puts the whole FeatureCollection
    component there, an object, where the API answers a list."""

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["type"] = {**page["properties"]["type"], "example": "FeatureCollection"}
        if isinstance(schema, dict) and "$ref" in schema:  # the FeatureCollection component
            page["properties"]["features"] = {"$ref": f"{schema['$ref']}/properties/features"}
        return page


# --- error bodies (api/errors.py) ------------------------------------------------------------

NO_CREDENTIALS = response(
    "未登录且未提供 API Key",
    "Not logged in and no API key",
    {"detail": "身份认证信息未提供。"},
    description='响应头 WWW-Authenticate: Api-Key realm="api"。 Answered with WWW-Authenticate: Api-Key realm="api".',
)
BAD_KEY = response(
    "API Key 错误、已吊销或已过期",
    "Wrong, revoked or expired API key",
    {"detail": "API Key 错误、已吊销或已过期。"},
    description="Authorization: Api-Key <key> 无效。 The Authorization: Api-Key <key> header is not a valid key.",
)
PERSON_ONLY = response(
    "操作须由人员登录执行(API Key 不可)",
    "Actions need a person's login (not an API key)",
    {"detail": "此操作须由人员登录执行,API Key 不能执行。"},
)
CITY_KEY_REFUSED = response(
    "市平台的 API Key 不能执行企业操作",
    "The city platform's key cannot take the company's steps",
    {"detail": "此操作须由人员登录,或使用绑定该隐患所属企业的 API Key;市平台的 API Key 不能执行。"},
)
COMPANY_KEY_REFUSED = response(
    "绑定企业的 API Key 不能执行此操作",
    "A key tied to a company cannot do this",
    {"detail": "绑定企业的 API Key 不能执行此操作。"},
)
NOT_PERMITTED = response(
    "角色或所属企业无权执行",
    "The role or company may not do this",
    {"detail": "您无权执行此操作。", "code": "not_permitted"},
)
ILLEGAL_TRANSITION = response(
    "当前状态不允许该操作",
    "The hazard's state does not allow it",
    {"detail": "无法执行“交办企业”：隐患YH-2026-0409当前状态为“已销号”。", "code": "illegal_transition"},
)
CONCURRENT_CHANGE = response(
    "隐患已被他人修改(version 不符)",
    "Changed meanwhile (version mismatch)",
    {"detail": "该记录已被他人修改，请刷新页面后重试。", "code": "concurrent_change"},
)
INVALID_PAGE = response("页码超出范围", "No such page", {"detail": "无效页面。"})
BAD_PAGE_SIZE = response("page_size 无效", "Invalid page_size", {"page_size": ["请发送不小于 1 的整数。"]})
BAD_DATE_FILTER = response(
    "筛选参数格式错误", "Malformed filter", {"found_after": ["输入一个有效的日期。"]}, description="YYYY-MM-DD."
)
BAD_BBOX = response(
    "in_bbox 格式错误",
    "Malformed in_bbox",
    {"detail": "in_bbox 应为四个数值：minLon,minLat,maxLon,maxLat。"},
)
BAD_CHOICE = response(
    "筛选值不在可选范围", "Unknown filter value", {"medium": ["选择一个有效的选项。 xx 不在可用的选项中。"]}
)

VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "字段名 → 错误信息列表;与具体字段无关的错误在 detail 中。"
    " Field name → list of messages; an error not tied to a field is under detail.",
    "properties": {
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "code": {"type": "string"},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def invalid(*examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(
        VALIDATION_ERROR_SCHEMA, description="请求参数或字段无效 / Invalid parameter or field", examples=list(examples)
    )


def unauthorized() -> OpenApiResponse:
    return OpenApiResponse(
        serializers.ErrorSerializer,
        description="未登录且未提供有效的 API Key(响应头 WWW-Authenticate)"
        " / Not logged in and no valid API key (with WWW-Authenticate)",
        examples=[NO_CREDENTIALS, BAD_KEY],
    )


def forbidden(*examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(
        serializers.ErrorSerializer,
        description="身份已确认,但无权执行 / Authenticated, but not allowed to do this",
        examples=list(examples or [NOT_PERMITTED]),
    )


def not_found(model: str) -> OpenApiResponse:
    return OpenApiResponse(
        serializers.ErrorSerializer,
        description="不存在,或不在您可见的范围内 / Does not exist, or not visible to you",
        examples=[
            response("不存在或不可见", "Not found or not visible", {"detail": f"No {model} matches the given query."})
        ],
    )


def conflict(*examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(
        serializers.ErrorSerializer,
        description="状态不允许、已被他人修改,或业务规则拒绝(detail 说明原因)"
        " / Not allowed in this state, changed meanwhile, or refused by a rule (detail says why)",
        examples=[ILLEGAL_TRANSITION, CONCURRENT_CHANGE, *examples],
    )


LIST_PAGE_NOT_FOUND = OpenApiResponse(
    serializers.ErrorSerializer, description="页码超出范围 / No such page", examples=[INVALID_PAGE]
)


def read_responses(model: str, *, list_view: bool, filters: tuple = ()) -> dict:
    """The error responses of a GET (the success response comes from the serializer and the examples)."""
    responses = {401: unauthorized(), 403: forbidden()}
    if filters or list_view:
        responses[400] = invalid(*filters, *([BAD_PAGE_SIZE] if list_view else []))
    responses[404] = LIST_PAGE_NOT_FOUND if list_view else not_found(model)
    return responses


# --- reference data ----------------------------------------------------------------------------

COMPANY = {
    "id": 1,
    "name": "东营恒泰石油管道有限公司",
    "short_name": "恒泰管道",
    "credit_code": "91370502AGYGLUY3W3",
    "contact_person": "高长江",
    "contact_phone": "15874700087",
    "address": "山东省东营市垦利区胜兴路402号",
}
COMPANY_EXAMPLES = [response("管道企业", "Operating company", COMPANY)]

PIPELINE = {
    "id": 1,
    "type": "Feature",
    "geometry": {
        "type": "MultiLineString",
        "coordinates": [[[118.82, 37.55], [118.818848, 37.542802], [118.797728, 37.45781], [118.7, 37.15]]],
    },
    "properties": {
        "code": "DY-YY-001",
        "name": "永安储气站至稻庄末站原油管道",
        "company": 13,
        "company_name": "东营永安石油管道有限公司",
        "medium": "crude_oil",
        "outer_diameter_mm": "426.0",
        "wall_thickness_mm": "8.0",
        "material": "L360",
        "maop_mpa": "6.30",
        "commissioned_on": "2009-06-18",
        "status": "in_service",
        "length_m": 44125.3,
    },
}
PIPELINE_EXAMPLES = [response("原油管道(坐标已截短)", "A crude oil pipeline (coordinates shortened)", PIPELINE)]

NORM = {
    "id": 1,
    "number": 1,
    "code": "DYGB-01",
    "title": "管道巡护工作规范",
    "scope": "适用于本市行政区域内输送原油、成品油、天然气的长输管道及其附属设施的日常巡护工作。",
    "description": "规范管道巡护频次、轨迹管理和巡护队伍建设,及时发现和制止危害管道安全的行为。",
    "clauses": [
        {
            "id": 1,
            "number": 1,
            "reference": "DYGB-01-1",
            "text": "管道企业应建立管道巡护管理制度,明确巡护区段划分、责任人、巡护内容和异常情况上报流程。",
            "check_method": "查阅企业巡护管理制度正式文件及巡护区段划分表。",
        }
    ],
}
NORM_EXAMPLES = [response("工作规范(条款已截短)", "A work norm (clauses shortened)", NORM)]

CAMPAIGN = {
    "id": 3,
    "name": "2026年打孔盗油与占压专项整治行动",
    "kind": "scheduled",
    "status": "in_progress",
    "start_date": "2026-10-07",
    "end_date": "2027-01-05",
    "lead_inspector": "王丽娟",
    "description": "对全市油气管道及管道企业开展排查整治,依据油气管道保护标准化工作规范逐项检查。",
}
CAMPAIGN_EXAMPLES = [response("排查整治行动", "Inspection campaign", CAMPAIGN)]

INSPECTION = {
    "id": 55,
    "campaign": 3,
    "company": 23,
    "pipeline": 2,
    "inspected_on": "2026-11-10",
    "summary": "现场检查管道巡护、标识、第三方施工及台账资料。",
    "results": [
        {"clause": "DYGB-01-4", "result": "pass", "note": ""},
        {"clause": "DYGB-06-5", "result": "fail", "note": "现场抽查发现问题,已列入隐患清单。"},
    ],
}
INSPECTION_EXAMPLES = [response("检查记录", "Inspection record", INSPECTION)]

STATS = {
    "total": 420,
    "open": 97,
    "closed": 323,
    "overdue": 38,
    "major_open": 19,
    "closure_rate": 76.9,
    "median_days_to_close": 32,
    "by_status": {"reported": 6, "assigned": 14, "rectifying": 48, "submitted": 20, "rejected": 9, "closed": 323},
    "by_level": {"general": 355, "major": 65},
    "by_category": {"encroachment": 68, "third_party_construction": 66, "oil_theft": 27},
    "by_source": {"inspection": 241, "patrol": 84, "self_report": 37, "city_platform": 45, "gis_analysis": 13},
    "by_company": [
        {
            "company": 5,
            "name": "广饶宏远石化管输有限公司",
            "total": 15,
            "open": 7,
            "overdue": 4,
            "closed": 8,
            "closure_rate": 53.3,
        }
    ],
}
STATS_EXAMPLES = [response("全市统计(分类已截短)", "City-wide statistics (breakdowns shortened)", STATS)]


BAD_RELATED = response(
    "id 不是整数(不存在的 id 返回空结果)",
    "An id that is not an integer (an unknown id answers no rows)",
    {"campaign": ["输入整数。"]},
)


def _read(description: str, examples: list, serializer, *, list_view: bool, filters: tuple = ()) -> dict:
    model = serializer.Meta.model.__name__
    return {
        "description": description,
        "examples": examples,
        "responses": {200: serializer, **read_responses(model, list_view=list_view, filters=filters)},
    }


_PAGED = " 分页:page、page_size。 Paged: page, page_size."

COMPANY_LIST = _read(
    "本市管道企业(企业人员只能看到本企业)。 The city's operating companies (company staff see only their own)."
    + _PAGED,
    COMPANY_EXAMPLES,
    serializers.CompanySerializer,
    list_view=True,
)
COMPANY_DETAIL = _read(
    "一家管道企业。 One operating company.", COMPANY_EXAMPLES, serializers.CompanySerializer, list_view=False
)
PIPELINE_LIST = _read(
    "管道走向图层:GeoJSON FeatureCollection(WGS84 经纬度)。可按 company、medium、status 筛选;"
    "in_bbox=最小经度,最小纬度,最大经度,最大纬度 筛选与该范围相交的管道。"
    " Pipeline routes as a GeoJSON FeatureCollection (WGS84 longitude/latitude). Filters: company, medium,"
    " status; in_bbox=minLon,minLat,maxLon,maxLat selects the pipelines overlapping the box." + _PAGED,
    PIPELINE_EXAMPLES,
    serializers.PipelineSerializer,
    list_view=True,
    filters=(BAD_CHOICE, BAD_BBOX),
)
PIPELINE_DETAIL = _read(
    "单条管道:GeoJSON Feature。 One pipeline as a GeoJSON Feature.",
    PIPELINE_EXAMPLES,
    serializers.PipelineSerializer,
    list_view=False,
)
NORM_LIST = _read(
    "23 项油气管道保护标准化工作规范及其条款。 The 23 standardized work norms of pipeline protection, with their"
    " clauses." + _PAGED,
    NORM_EXAMPLES,
    serializers.WorkNormSerializer,
    list_view=True,
)
NORM_DETAIL = _read(
    "一项工作规范及其条款。 One work norm with its clauses.",
    NORM_EXAMPLES,
    serializers.WorkNormSerializer,
    list_view=False,
)
CAMPAIGN_LIST = _read(
    "排查整治行动,按开始日期倒序。 Inspection campaigns, latest first." + _PAGED,
    CAMPAIGN_EXAMPLES,
    serializers.CampaignSerializer,
    list_view=True,
)
CAMPAIGN_DETAIL = _read(
    "一次排查整治行动。 One inspection campaign.", CAMPAIGN_EXAMPLES, serializers.CampaignSerializer, list_view=False
)
INSPECTION_LIST = _read(
    "检查记录及逐条检查结果,可按 campaign、company、pipeline 筛选。"
    " Inspection records with their checklist results; filters: campaign, company, pipeline." + _PAGED,
    INSPECTION_EXAMPLES,
    serializers.InspectionSerializer,
    list_view=True,
    filters=(BAD_RELATED,),
)
INSPECTION_DETAIL = _read(
    "一条检查记录及其检查结果。 One inspection record with its checklist results.",
    INSPECTION_EXAMPLES,
    serializers.InspectionSerializer,
    list_view=False,
)
STATS_DOC = {
    "description": "整改统计:按状态、等级、类别、来源、企业、行动计数;销号率;逾期数;销号用时中位数(天)。"
    "可按 company、campaign、level、category 及发现日期 found_after/found_before(YYYY-MM-DD)筛选。"
    " Rectification statistics: counts by status, level, category, source, company and campaign; closure rate;"
    " overdue count; median days to close. Filters: company, campaign, level, category, and the found date"
    " found_after/found_before (YYYY-MM-DD).",
    "examples": STATS_EXAMPLES,
    "responses": {
        200: OpenApiTypes.OBJECT,
        400: invalid(BAD_DATE_FILTER, BAD_RELATED),
        401: unauthorized(),
        403: forbidden(),
    },
}


# --- hazards -----------------------------------------------------------------------------------

_HAZARD_PROPERTIES = {
    "code": "YH-2026-0420",
    "source": "city_platform",
    "company": 4,
    "company_name": "鲁北通达能源有限公司",
    "pipeline": 134,
    "pipeline_code": "DY-YY-061",
    "campaign": None,
    "place": "大王镇东营港村附近",
    "chainage_m": 2027.6,
    "category": "insufficient_distance",
    "level": "general",
    "clause": "DYGB-01-5",
    "description": "加油站罐区与管道间距不满足规范要求。",
    "found_on": "2026-11-21",
    "deadline": None,
    "status": "reported",
    "is_overdue": False,
    "closed_at": None,
    "version": 0,
}


def _hazard(**properties) -> dict:
    return {
        "id": 420,
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [118.991666, 37.985888]},
        "properties": {**_HAZARD_PROPERTIES, **properties},
    }


HAZARD_EXAMPLES = [response("市平台上报的隐患", "A hazard reported through the city platform", _hazard())]

_STEPS = {
    "report": ("", "reported", None, "", {}, "2026-11-21T09:00:00+08:00"),
    "assign": (
        "reported",
        "assigned",
        "张建国",
        "请于期限内整改。",
        {"deadline": "2026-12-22"},
        "2026-11-21T10:15:00+08:00",
    ),
    "start": ("assigned", "rectifying", "傅振宇", "", {"rectification": 401}, "2026-11-22T09:30:00+08:00"),
    "submit": (
        "rectifying",
        "submitted",
        "傅振宇",
        "已完成整改,申请验收。",
        {"rectification": 401},
        "2026-12-05T16:00:00+08:00",
    ),
    "accept": ("submitted", "closed", "张建国", "经现场核查,整改到位,同意销号。", {}, "2026-12-08T10:00:00+08:00"),
    "reject": ("submitted", "rejected", "张建国", "现场复核仍有占压,请重新整改。", {}, "2026-12-08T10:00:00+08:00"),
    "reopen": (
        "closed",
        "assigned",
        "张建国",
        "复查发现隐患复发。",
        {"deadline": "2027-01-31"},
        "2026-12-20T10:00:00+08:00",
    ),
}


def _history(*actions: str) -> list[dict]:
    entries = []
    for action in actions:
        from_status, to_status, actor, comment, details, created_at = _STEPS[action]
        entries.append(
            {
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "comment": comment,
                "details": details,
                "created_at": created_at,
            }
        )
    return entries


_RECTIFICATION = {
    "id": 401,
    "measures": "制定迁改方案,加油站罐区外移至安全距离以外。",
    "responsible_person": "李明",
    "progress_percent": 0,
    "progress_note": "",
    "started_on": "2026-11-22",
    "planned_completion_on": "2026-12-20",
    "completed_on": None,
    "submitted_at": None,
    "outcome": "pending",
    "reviewed_at": None,
    "review_comment": "",
    "evidence_count": 0,
}
_SUBMITTED = {
    **_RECTIFICATION,
    "progress_percent": 100,
    "completed_on": "2026-12-05",
    "submitted_at": "2026-12-05T16:00:00+08:00",
    "evidence_count": 3,
}


def _detail(actions: tuple[str, ...], rectifications: list[dict], **properties) -> dict:
    feature = _hazard(**{"deadline": "2026-12-22", "version": len(actions) - 1, **properties})
    feature["properties"].update(rectifications=copy.deepcopy(rectifications), history=_history(*actions))
    return feature


_ASSIGNED = _detail(("report", "assign"), [], status="assigned")
_RECTIFYING = _detail(("report", "assign", "start"), [_RECTIFICATION], status="rectifying")
_SUBMITTED_HAZARD = _detail(("report", "assign", "start", "submit"), [_SUBMITTED], status="submitted")
_CLOSED = _detail(
    ("report", "assign", "start", "submit", "accept"),
    [
        {
            **_SUBMITTED,
            "outcome": "accepted",
            "reviewed_at": "2026-12-08T10:00:00+08:00",
            "review_comment": "经现场核查,整改到位,同意销号。",
        }
    ],
    status="closed",
    closed_at="2026-12-08T10:00:00+08:00",
)
_REJECTED = _detail(
    ("report", "assign", "start", "submit", "reject"),
    [
        {
            **_SUBMITTED,
            "outcome": "rejected",
            "reviewed_at": "2026-12-08T10:00:00+08:00",
            "review_comment": "现场复核仍有占压,请重新整改。",
        }
    ],
    status="rejected",
)
_REOPENED = _detail(
    ("report", "assign", "start", "submit", "accept", "reopen"),
    _CLOSED["properties"]["rectifications"],
    status="assigned",
    deadline="2027-01-31",
)
_EXTENDED = copy.deepcopy(_RECTIFYING)
_EXTENDED["properties"].update(deadline="2027-01-31", version=3)
_EXTENDED["properties"]["history"].append(
    {
        "action": "extend",
        "from_status": "rectifying",
        "to_status": "rectifying",
        "actor": "张建国",
        "comment": "汛期施工受限,经审批延期。",
        "details": {
            "old_deadline": "2026-12-22",
            "new_deadline": "2027-01-31",
            "approver": 5,
            "approver_name": "刘志强",
        },
        "created_at": "2026-12-10T09:00:00+08:00",
    }
)

HAZARD_DETAIL_EXAMPLES = [
    response("已销号隐患(含整改与历史)", "A closed hazard with its rectification and history", _CLOSED)
]


HAZARD_LIST = _read(
    "隐患图层:GeoJSON FeatureCollection。可按 status、level、category、source、company、pipeline、campaign、"
    "is_overdue 筛选,按发现日期 found_after/found_before、整改期限 deadline_after/deadline_before(YYYY-MM-DD)"
    "及 in_bbox 范围筛选。"
    " Hazards as a GeoJSON FeatureCollection. Filters: status, level, category, source, company, pipeline,"
    " campaign, is_overdue, the found date found_after/found_before, the deadline deadline_after/deadline_before"
    " (YYYY-MM-DD), and in_bbox." + _PAGED,
    HAZARD_EXAMPLES,
    serializers.HazardSerializer,
    list_view=True,
    filters=(BAD_DATE_FILTER, BAD_BBOX),
)
HAZARD_DETAIL = _read(
    "单个隐患:含整改记录和完整历史(GeoJSON Feature)。"
    " One hazard with its rectifications and its full history (a GeoJSON Feature).",
    HAZARD_DETAIL_EXAMPLES,
    serializers.HazardDetailSerializer,
    list_view=False,
)


def _action(
    description: str,
    *,
    zh: dict,
    en: dict,
    result: dict,
    refused: tuple = (),
    invalid_body=None,
    company_side: bool = False,
    media_type: str = "application/json",
) -> dict:
    """``extend_schema`` arguments of a life-cycle action: description, examples, responses."""
    examples = [
        request("中文请求", "Request in Chinese", zh, media_type=media_type),
        request("英文请求", "Request in English", en, media_type=media_type),
        response("操作后的隐患", "The hazard after the action", result),
    ]
    responses = {
        200: serializers.HazardDetailSerializer,
        400: invalid(response("字段无效", "Invalid field", invalid_body or {"version": ["请填写合法的整数值。"]})),
        401: unauthorized(),
        403: forbidden(CITY_KEY_REFUSED if company_side else PERSON_ONLY, NOT_PERMITTED),
        404: not_found("Hazard"),
        409: conflict(*refused),
    }
    return {"description": description, "examples": examples, "responses": responses}


_ACTION_NOTE = (
    " 须由人员登录执行(API Key 不可);version 为您看到的隐患版本,已变化时返回 409。"
    " Needs a person's login (not an API key); version is the hazard version you saw: 409 if it changed."
)
_COMPANY_NOTE = (
    " 企业人员登录执行,或企业系统使用绑定本企业的 API Key 执行(历史记录注明该 Key);"
    "version 为您看到的隐患版本,已变化时返回 409。"
    " Done by the company's staff, logged in, or by its own system with an API key tied to the company (the"
    " history names the key); version is the hazard version you saw: 409 if it changed."
)

ASSIGN = _action(
    "将隐患交办给所属企业并设定整改期限(缺省按期限表计算)。"
    " Assign the hazard to its company with a deadline (by default from the deadline table)." + _ACTION_NOTE,
    zh={"version": 0, "comment": "请于期限内完成整改并上传整改材料。", "deadline": "2026-12-22"},
    en={"version": 0, "comment": "Please rectify by the deadline and upload the evidence."},
    result=_ASSIGNED,
    refused=(
        response("期限早于今天", "Deadline in the past", {"detail": "整改期限不得早于今天。", "code": "refused"}),
    ),
    invalid_body={"deadline": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]},
)
START = _action(
    "企业开始(或重新开始)整改,登记整改措施和责任人。"
    " The company starts (or restarts) rectification with its measures and the person responsible." + _COMPANY_NOTE,
    company_side=True,
    zh={
        "version": 1,
        "measures": "制定迁改方案,加油站罐区外移至安全距离以外。",
        "responsible_person": "李明",
        "responsible_phone": "13805460123",
        "planned_completion_on": "2026-12-20",
    },
    en={
        "version": 1,
        "measures": "Move the filling station's tank farm beyond the safety distance.",
        "responsible_person": "Li Ming",
        "comment": "Work starts on Monday.",
    },
    result=_RECTIFYING,
    invalid_body={"measures": ["该字段是必填项。"], "responsible_person": ["该字段是必填项。"]},
)
SUBMIT = _action(
    "企业提交验收(须已上传整改材料)。 The company submits the rectification for acceptance (evidence required)."
    + _COMPANY_NOTE,
    company_side=True,
    zh={"version": 2, "comment": "已完成整改,申请验收。"},
    en={"version": 2, "comment": "Rectification done; please inspect."},
    result=_SUBMITTED_HAZARD,
    refused=(
        response(
            "缺少整改材料",
            "No evidence uploaded",
            {"detail": "提交验收前请至少上传一份整改材料（照片或PDF）。", "code": "refused"},
        ),
    ),
)
_PROGRESSED = copy.deepcopy(_RECTIFYING)
_PROGRESSED["properties"]["rectifications"][0].update(progress_percent=60, progress_note="储罐已清空,拆除完成六成。")
PROGRESS = _action(
    "企业登记当前整改轮次的进度(只修改所发送的字段)。"
    " The company records progress on the current round of rectification (only the fields sent change)."
    + _COMPANY_NOTE,
    zh={"version": 2, "progress_percent": 60, "progress_note": "储罐已清空,拆除完成六成。"},
    en={"version": 2, "progress_percent": 60, "progress_note": "Tanks emptied; demolition 60% done."},
    result=_PROGRESSED,
    company_side=True,
    invalid_body={"progress_percent": ["请确保该值小于或者等于 100。"]},
)
_WITH_EVIDENCE = copy.deepcopy(_RECTIFYING)
_WITH_EVIDENCE["properties"]["rectifications"][0]["evidence_count"] = 1
EVIDENCE = _action(
    "企业为当前整改轮次上传整改材料(照片 JPEG/PNG 或 PDF,multipart/form-data 的 file 字段)。"
    " The company uploads evidence for the current round (a JPEG or PNG photo or a PDF, as the file field of"
    " multipart/form-data)." + _COMPANY_NOTE,
    zh={"file": "(照片或 PDF 文件)", "description": "拆除后现场照片"},
    en={"file": "(a photo or PDF file)", "description": "The site after demolition"},
    result=_WITH_EVIDENCE,
    company_side=True,
    media_type="multipart/form-data",
    invalid_body={"file": ["没有提交任何文件。"]},
)
ACCEPT = _action(
    "监管人员验收通过,隐患销号。 The inspector accepts the rectification and closes the hazard." + _ACTION_NOTE,
    zh={"version": 3, "comment": "经现场核查,整改到位,同意销号。"},
    en={"version": 3, "comment": "Checked on site: rectified, closed."},
    result=_CLOSED,
)
REJECT = _action(
    "验收不通过,退回企业重新整改(须说明原因)。"
    " The inspector rejects the rectification and sends it back (a reason is required)." + _ACTION_NOTE,
    zh={"version": 3, "comment": "现场复核仍有占压,请重新整改。"},
    en={"version": 3, "comment": "The shed is still on the right-of-way; rectify again."},
    result=_REJECTED,
    invalid_body={"comment": ["该字段是必填项。"]},
)
REOPEN = _action(
    "重新打开已销号的隐患并重新交办(须说明原因,可设新期限)。"
    " Reopen a closed hazard and assign it again (a reason is required; optionally a new deadline)." + _ACTION_NOTE,
    zh={"version": 4, "comment": "复查发现隐患复发。", "deadline": "2027-01-31"},
    en={"version": 4, "comment": "The encroachment is back: found on a follow-up visit."},
    result=_REOPENED,
    invalid_body={"comment": ["该字段是必填项。"]},
)
EXTEND = _action(
    "延长整改期限(须说明原因,并由有审批权限的人员批准;approver 为其用户 id)。"
    " Extend the deadline, with a reason and the approval of someone allowed to approve (approver: their user id)."
    + _ACTION_NOTE,
    zh={"version": 2, "new_deadline": "2027-01-31", "comment": "汛期施工受限,经审批延期。", "approver": 5},
    en={"version": 2, "new_deadline": "2027-01-31", "comment": "Flood season: works postponed.", "approver": 5},
    result=_EXTENDED,
    refused=(
        response(
            "审批人无权审批",
            "The approver may not approve",
            {"detail": "延长整改期限须由有审批权限的人员批准。", "code": "refused"},
        ),
        response(
            "新期限不晚于原期限",
            "The new deadline is not later",
            {"detail": "新整改期限须晚于当前整改期限（2026-12-22）。", "code": "refused"},
        ),
    ),
    invalid_body={"new_deadline": ["该字段是必填项。"], "approver": ["无效主键 “9999” － 对象不存在。"]},
)


# --- event intake (integrations/views.py) --------------------------------------------------------

EVENT_ZH = {
    "category": "third_party_construction",
    "description": "管道上方有挖掘机施工,现场未见管道企业人员监护。",
    "lat": 37.5432,
    "long": 118.8188,
    "address": "东营区黄河路与西四路交叉口",
    "reporter_ref": "WG-0071",
}
EVENT_EN = {
    "category": "encroachment",
    "description": "A storage shed has been built on the pipeline right-of-way.",
    "lat": 37.4312,
    "long": 118.7838,
    "address": "Huanghe Road near Xisi Road, Dongying District",
    "reporter_ref": "GRID-2231",
}
EVENT_FORM = {
    "category": "oil_theft",
    "description": "发现疑似打孔盗油痕迹,地面有油污。",
    "lat": 37.4578,
    "long": 118.7977,
    "address": "牛庄镇刘家村东500米",
    "reporter_ref": "WG-0102",
}
EVENT_CREATED = {
    "id": 421,
    "code": "YH-2026-0421",
    "status": "reported",
    "company": 13,
    "pipeline": 1,
    "photo_attached": False,
}

EVENT = {
    "description": "网格员上报的事件成为隐患(状态:已上报),归属 2,000 米内最近管道的企业。"
    "请求头 Idempotency-Key 必填:同一键、同一内容的重试返回第一次的应答(响应头 Idempotent-Replayed: true),"
    "不会重复创建;同一键、不同内容返回 422。幂等记录保留 IDEMPOTENCY_KEY_TTL_HOURS 小时(默认 24),之后同一键视为新请求。"
    " A grid worker's report becomes a hazard (state reported) of the company of the nearest pipeline within"
    " 2,000 m. The Idempotency-Key header is required: a retry with the same key and body answers the first"
    " response again (header Idempotent-Replayed: true) without creating anything; the same key with another"
    " body answers 422. Keys are kept IDEMPOTENCY_KEY_TTL_HOURS hours (24 by default); after that the same key"
    " is a new request. multipart/form-data may carry a photo (JPEG or PNG).",
    "examples": [
        request("中文上报", "Report in Chinese", EVENT_ZH),
        request("英文上报", "Report in English", EVENT_EN),
        request(
            "表单上报(可附照片 photo)", "Form report (may carry a photo)", EVENT_FORM, media_type="multipart/form-data"
        ),
        response("已创建隐患", "Hazard created", EVENT_CREATED, status_codes=["201"]),
    ],
}
EVENT_ERRORS = {
    400: invalid(
        response(
            "缺少 Idempotency-Key",
            "Missing Idempotency-Key",
            {
                "detail": "请发送 Idempotency-Key 请求头:1 至 255 个可见 ASCII 字符,不含空格。",
                "code": "idempotency_key_missing",
            },
        ),
        response(
            "字段无效",
            "Invalid fields",
            {"category": ["“ufo” 不是合法选项。"], "lat": ["请确保该值小于或者等于 38.1。"]},
        ),
    ),
    401: unauthorized(),
    403: forbidden(COMPANY_KEY_REFUSED, NOT_PERMITTED),
    422: OpenApiResponse(
        serializers.ErrorSerializer,
        description="2,000 米内没有管道,或该 Idempotency-Key 已用于另一个请求"
        " / No pipeline within 2,000 m, or the key was used for another request",
        examples=[
            response(
                "附近没有管道",
                "No pipeline nearby",
                {"detail": "该位置 2,000 米范围内没有管道:隐患须归属某条管道的企业。", "code": "no_pipeline_nearby"},
            ),
            response(
                "Idempotency-Key 已被使用",
                "Idempotency-Key reused",
                {"detail": "该 Idempotency-Key 已用于另一个请求。", "code": "idempotency_key_reused"},
            ),
        ],
    ),
}
