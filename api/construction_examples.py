"""Bilingual examples of the check before digging (api/construction.py), from the demo city, checked against
the schema and the API (tests/test_api.py, tests/test_api_construction.py)."""

from drf_spectacular.utils import OpenApiResponse

from api.examples import forbidden, invalid, request, response, unauthorized

POWER_LINE = {"type": "LineString", "coordinates": [[118.9805462, 37.9640489], [118.9807736, 37.9631664]]}
DIG_AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [118.9799528, 37.9638143],
            [118.9799625, 37.9641744],
            [118.9804174, 37.9641668],
            [118.9804077, 37.9638066],
            [118.9799528, 37.9638143],
        ]
    ],
}
ANCHORAGE = {"type": "Point", "coordinates": [118.2561786, 37.4649209]}
HOUSE = {"type": "Point", "coordinates": [118.2831053, 37.4862544]}

APPROVAL = {
    "verdict": "approval_required",
    "work_type": "power_line",
    "pipelines": [
        {
            "pipeline_code": "DY-CP-011",
            "company": "黄河口众诚石油管道有限公司",
            "distance_m": 32.4,
            "band": "5-50",
            "verdict": "approval_required",
            "articles": ["35(2)"],
        }
    ],
    "notice_by": "2027-03-02",
}
PROHIBITED = {
    "verdict": "prohibited",
    "work_type": "excavation",
    "pipelines": [
        {
            "pipeline_code": "DY-CP-011",
            "company": "黄河口众诚石油管道有限公司",
            "distance_m": 0.0,
            "band": "<5",
            "verdict": "prohibited",
            "articles": ["30"],
        }
    ],
    "notice_by": None,
}
RIVER = {
    "verdict": "prohibited",
    "work_type": "anchoring",
    "pipelines": [
        {
            "pipeline_code": "DY-TQ-017",
            "company": "利津晟通能源有限公司",
            "distance_m": 148.0,
            "band": "river-500",
            "verdict": "prohibited",
            "articles": ["32"],
        }
    ],
    "notice_by": "2027-04-24",
}
ALLOWED = {
    "verdict": "allowed",
    "work_type": "building",
    "pipelines": [
        {
            "pipeline_code": "DY-YY-020",
            "company": "鲁北通达能源有限公司",
            "distance_m": 274.0,
            "band": "none",
            "verdict": "allowed",
            "articles": [],
        }
    ],
    "notice_by": None,
}

# (request, answer) pairs the tests post to the API and compare.
PAIRS = [
    ({"geometry": POWER_LINE, "work_type": "power_line", "start_on": "2027-03-09"}, APPROVAL),
    ({"geometry": DIG_AREA, "work_type": "excavation"}, PROHIBITED),
    (
        {
            "geometry": ANCHORAGE,
            "work_type": "anchoring",
            "start_on": "2027-05-01",
            "permit_ref": "东规许〔2027〕017号",
        },
        RIVER,
    ),
    ({"geometry": HOUSE, "work_type": "building", "permit_ref": "DY-PERMIT-2027-0412"}, ALLOWED),
]

CHECK = {
    "description": "施工前管道查询(不作记录):提交作业的几何图形(GeoJSON 点、线、面及其 Multi 形式,WGS84 或 CGCS2000"
    " 经纬度)、施工类型,可选开工日期 start_on 和规划/许可系统正在办理的许可编号 permit_ref。返回结论(禁止 / 须经批准 /"
    " 允许,取所有管道中最严的)、每条涉及的管道(中心线 200 米内或附属设施 500 米内,及适用条款的管道)及其企业、"
    "距离(米,0.1)、距离带、结论和《石油天然气管道保护法》条款,以及书面告知须送达的日期(开工前 7 日,第三十七条)。"
    "带有 permit_ref 且结论为禁止时,向市平台推送 webhook(construction.check_prohibited)。"
    " The check before digging (nothing recorded): the work's geometry (GeoJSON Point, LineString, Polygon or"
    " their Multi* forms, WGS84 or CGCS2000 longitude/latitude), the work type, optionally the day work starts"
    " and the permit the city's planning or permit system is preparing. Answers the verdict (prohibited, approval"
    " required or allowed: the strictest over all pipelines), every pipeline concerned with its company, distance"
    " (m, 0.1), band, verdict and articles of the Pipeline Protection Law, and the date by which written notice"
    " must reach the operators (7 days before work starts, Art. 37). A prohibited verdict with a permit_ref"
    " alerts the city platform (webhook construction.check_prohibited). For staff and every API key.",
    "examples": [
        request("架设电力线路(距管道 32 米)", "A power line 32 m from a pipeline", PAIRS[0][0]),
        request("挖掘作业区域", "An excavation area", PAIRS[1][0]),
        request("河道抛锚,规划许可办理中", "Anchoring in a river, permit being prepared", PAIRS[2][0]),
        request("建房,许可办理中", "A house, permit being prepared", PAIRS[3][0]),
        response("须经批准(第三十五条第二项)", "Approval required (Art. 35(2))", APPROVAL, status_codes=["200"]),
        response("禁止(5 米以内,第三十条)", "Prohibited (within 5 m, Art. 30)", PROHIBITED, status_codes=["200"]),
        response(
            "禁止(穿越河流处 500 米内,第三十二条)", "Prohibited (river crossing, Art. 32)", RIVER, status_codes=["200"]
        ),
        response("允许(仍须告知管道企业)", "Allowed (the operators are still told)", ALLOWED, status_codes=["200"]),
    ],
}

CHECK_RESPONSES = {
    400: invalid(
        response(
            "坐标不是经纬度",
            "Coordinates that are not longitude/latitude",
            {
                "geometry": [
                    "坐标 (610982.4, 4148649.9) 不是经纬度：请用 WGS84 或 CGCS2000 经纬度（EPSG:4326 或 EPSG:4490）"
                    "给出几何图形，经度在前，不要用米制坐标。"
                ]
            },
        ),
        response(
            "不接受的几何类型",
            "A geometry type the check does not take",
            {
                "geometry": [
                    '不接受几何类型 "GeometryCollection"；请使用以下之一：Point, LineString, Polygon, MultiPoint, '
                    "MultiLineString, MultiPolygon。"
                ]
            },
        ),
        response(
            "未知的施工类型(列出全部类型)",
            "Unknown work type (the valid codes listed)",
            {
                "work_type": [
                    "未知的施工类型 “digging”；施工类型为：excavation, building, structure, deep_rooted_planting, "
                    "soil_extraction, fire, heavy_stacking, corrosive_discharge, pond, greenhouse, animal_shed, road, "
                    "railway, canal, power_line, cable, grounding, pipeline, blasting, seismic_survey, drilling, "
                    "mining, quarrying, anchoring, dredging, maintenance_dredging, underwater_blasting, other。"
                ]
            },
        ),
        response(
            "Idempotency-Key 格式不对",
            "Malformed Idempotency-Key",
            {
                "detail": "请发送 Idempotency-Key 请求头:1 至 255 个可见 ASCII 字符,不含空格。",
                "code": "idempotency_key_missing",
            },
        ),
        response(
            "必填字段缺失",
            "Required fields missing",
            {"geometry": ["该字段是必填项。"], "work_type": ["该字段是必填项。"]},
        ),
    ),
    401: unauthorized(),
    403: forbidden(
        response(
            "没有后台权限的账号",
            "A login without staff access",
            {"detail": "施工前管道查询仅供监管部门、管道企业人员和 API Key 使用。"},
        )
    ),
}

REFUSED = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}, "code": {"type": "string"}}},
    description="GeoJSON 格式正确,但图形无法判定(边界自相交、线长为零、纬度超出 ±90° 等),或该 Idempotency-Key"
    " 已用于另一个请求;detail 说明原因 / Well-formed GeoJSON, but not a shape that can be checked (a"
    " self-intersecting outline, a line of no length, a latitude beyond ±90°…), or the Idempotency-Key was used"
    " for another request; detail says why",
    examples=[
        response(
            "作业区域边界自相交",
            "A self-intersecting area",
            {
                "detail": "作业区域的边界自相交（Self-intersection[118.505 37.505]）：请重新绘制，边界线不要交叉。",
                "code": "refused",
            },
        ),
        response(
            "纬度在前(纬度超出 90°)",
            "Latitude first (a latitude beyond 90°)",
            {
                "detail": "坐标 (37.5, 118.5) 不是经纬度：纬度超出 90 度（是否纬度在前？）。"
                "请经度在前，用 WGS84 或 CGCS2000 经纬度给出。",
                "code": "refused",
            },
        ),
        response(
            "Idempotency-Key 已被使用",
            "Idempotency-Key reused",
            {"detail": "该 Idempotency-Key 已用于另一个请求。", "code": "idempotency_key_reused"},
        ),
    ],
)
