"""Bilingual examples of the video API (api/video.py, and the coverage of api/hca.py), checked against the
schema and the API by tests/test_api.py."""

from drf_spectacular.utils import OpenApiResponse

from api import serializers
from api.examples import (
    BAD_BBOX,
    BAD_CHOICE,
    BAD_PAGE_SIZE,
    LIST_PAGE_NOT_FOUND,
    forbidden,
    invalid,
    not_found,
    request,
    response,
    unauthorized,
)

CAMERA = {
    "id": 7,
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [118.512341, 37.401223]},
    "properties": {
        "code": "CAM-0007",
        "name": "史口加油站东侧",
        "device_id": "37050200001320000007",
        "channel_id": "37050200001310000007",
        "kind": "fixed",
        "azimuth_deg": 95.0,
        "fov_deg": 60.0,
        "range_m": 150.0,
        "height_m": 8.0,
        "company": 5,
        "company_name": "东营恒泰石油管道有限公司",
        "pipeline_code": "DY-YY-002",
        "stream_url": "https://video.example.gov.cn/play/37050200001310000007",
        "status": "online",
        "last_seen_at": "2026-12-07T08:05:00+08:00",
        "distance_m": 42.3,
    },
}
CAMERA_EXAMPLES = [response("摄像机(sees 查询时含距离)", "A camera (with its distance when asked with sees)", CAMERA)]
CAMERA_LIST_DESCRIPTION = (
    "视频监控试点的摄像机(GeoJSON):GB/T 28181 设备与通道编码、类型、方位角(自坐标北顺时针)、水平视场角、有效距离、"
    "视频流链接(浏览器直接打开,本系统不转发)、在线状态。sees=lon,lat 只列出视野(以方位角为中心、视场角为张角、"
    "有效距离为半径的扇形)覆盖该地点的摄像机,由近及远:供隐患、突发事件、施工现场调看。可按 company、pipeline、"
    "status、kind 和 in_bbox 筛选;分页:page、page_size。"
    " Cameras of the video-monitoring pilot (GeoJSON): GB/T 28181 device and channel ids, kind, azimuth (clockwise"
    " from grid north), horizontal field of view, range, the stream link (opened by the browser, never proxied) and"
    " status. sees=lon,lat lists only the cameras whose view (the circular sector of radius range_m from"
    " azimuth − fov/2 to azimuth + fov/2) holds that place, nearest first: for hazards, incidents and construction"
    " sites. Filters: company, pipeline, status, kind, in_bbox. Paged: page, page_size."
)
BAD_SEES = response("sees 格式错误", "Malformed sees", {"sees": ["请输入合法的格式。"]})


def camera_read_responses(*, list_view: bool) -> dict:
    responses = {401: unauthorized(), 403: forbidden()}
    if list_view:
        responses[400] = invalid(BAD_SEES, BAD_CHOICE, BAD_BBOX, BAD_PAGE_SIZE)
        responses[404] = LIST_PAGE_NOT_FOUND
    else:
        responses[404] = not_found("Camera")
    return responses


BEATS_ZH = {
    "beats": [
        {"device_id": "37050200001320000007", "channel_id": "37050200001310000007", "at": "2026-12-07T08:05:00+08:00"},
        {"code": "CAM-0008"},
    ]
}
BEATS_EN = {"beats": [{"code": "CAM-0007", "at": "2026-12-07T08:06:00+08:00"}]}
HEARTBEATS = {
    "description": "视频平台批量上报心跳:按 GB/T 28181 设备与通道编码(或摄像机编号)找到摄像机并记录最后心跳时间;"
    "离线的摄像机恢复心跳即恢复在线(关闭离线记录、重新计算覆盖率)。连续三个心跳周期(默认每周期 60 秒)无心跳的摄像机"
    "由每分钟运行的任务标为离线并告警。未知的摄像机在应答中列出,不拒绝整批。"
    " A batch of heartbeats from a video platform: each camera is found by its GB/T 28181 device and channel ids"
    " (or its code) and its last heartbeat recorded; an offline camera that beats again is back online (its outage"
    " closes, coverage is measured again). A camera silent for three intervals (60 s each by default) is marked"
    " offline, with an alert, by a job that runs every minute. Unknown cameras are listed in the answer; the batch"
    " is not refused.",
    "examples": [
        request("两台摄像机的心跳", "Two cameras' heartbeats", BEATS_ZH),
        request("按编号上报一台", "One camera by its code", BEATS_EN),
        response(
            "已记录",
            "Recorded",
            {"received": 2, "cameras": 2, "back_online": ["CAM-0008"], "unknown": []},
            status_codes=["200"],
        ),
    ],
}
HEARTBEAT_RESPONSES = {
    400: invalid(
        response("批次为空", "An empty batch", {"beats": ["请至少发送一条心跳。"]}),
        response(
            "编码不是 20 位数字",
            "An id that is not 20 digits",
            {"beats": ["第 2 条:device_id:GB/T 28181 编码应为 20 位数字。"]},
        ),
    ),
    401: unauthorized(),
    403: forbidden(response("无权上报心跳", "May not report heartbeats", {"detail": "您无权上报心跳。"})),
}

ALARM = {
    "id": 31,
    "camera": "CAM-0007",
    "company": 5,
    "external_id": "HK-20261207-000193",
    "occurred_at": "2026-12-07T08:05:00+08:00",
    "alarm_class": "excavator",
    "confidence": 0.91,
    "snapshot_attached": True,
    "pipelines": ["DY-YY-002"],
    "first": None,
    "repeat_count": 2,
    "handling": "hazard_reported",
    "handling_note": "",
    "hazard": "YH-2026-0612",
    "incident": None,
    "application_ref": "",
    "review": "pending",
    "reviewed_at": None,
    "received_at": "2026-12-07T08:05:03+08:00",
}
ALARM_EXAMPLES = [response("挖掘机告警,已上报第三方施工隐患", "An excavator alarm, reported as a hazard", ALARM)]


def alarm_read_responses(*, list_view: bool) -> dict:
    responses = {401: unauthorized(), 403: forbidden()}
    if list_view:
        responses[400] = invalid(BAD_PAGE_SIZE)
        responses[404] = LIST_PAGE_NOT_FOUND
    else:
        responses[404] = not_found("VideoAlarm")
    return responses


ALARM_ZH = {
    "camera": "CAM-0007",
    "occurred_at": "2026-12-07T08:05:00+08:00",
    "alarm_class": "excavator",
    "confidence": 0.91,
    "external_id": "海康-告警-000193",
}
ALARM_EN = {
    "device_id": "37050200001320000007",
    "channel_id": "37050200001310000007",
    "occurred_at": "2026-12-07T08:20:00+08:00",
    "alarm_class": "smoke",
    "confidence": 0.72,
    "external_id": "box-7/alarm-0194",
}
ALARM_FORM = {**ALARM_ZH, "external_id": "海康-告警-000195"}
ALARM_REPORT = {
    "description": "AI 告警上报:与该摄像机视野内的管道匹配;同一摄像机同一类别在 10 分钟内的重复告警并入同一事件;挖掘机/"
    "开挖告警在无已批准施工申请覆盖该地点和当天时上报第三方施工隐患(已上报,附抓拍),烟雾/火焰告警启动突发事件;"
    "每条告警都保留其处置结果。请求头 Idempotency-Key 必填,规则同事件上报;抓拍图片(JPEG、PNG)按内容检查。"
    " Report an AI alarm: it is matched to the pipelines the camera sees; repeats of the same class from the same"
    " camera within 10 minutes join one event; an excavator or digging alarm becomes a third-party construction"
    " hazard report (state reported, with the snapshot) unless an approved construction application covers that"
    " place and day; smoke or fire opens an emergency incident. Every alarm is kept with how it was handled. The"
    " Idempotency-Key header is required, as for event intake; the snapshot (JPEG or PNG) is checked by content.",
    "examples": [
        request("中文上报", "Report in Chinese", ALARM_ZH),
        request("英文上报(按 GB/T 28181 编码)", "Report in English (by GB/T 28181 ids)", ALARM_EN),
        request(
            "表单上报(可附抓拍 snapshot)",
            "Form report (may carry a snapshot)",
            ALARM_FORM,
            media_type="multipart/form-data",
        ),
        response("已接收并处置", "Received and handled", ALARM, status_codes=["201"]),
    ],
}
ALARM_REPORT_RESPONSES = {
    400: invalid(
        response(
            "缺少 Idempotency-Key",
            "Missing Idempotency-Key",
            {
                "detail": "请发送 Idempotency-Key 请求头:1 至 255 个可见 ASCII 字符,不含空格。",
                "code": "idempotency_key_missing",
            },
        ),
        response("字段无效", "Invalid fields", {"alarm_class": ["“ufo” 不是合法选项。"]}),
    ),
    401: unauthorized(),
    403: forbidden(response("无权上报告警", "May not report alarms", {"detail": "您无权上报视频告警。"})),
    422: OpenApiResponse(
        serializers.ErrorSerializer,
        description="未知摄像机、时间不合理,或该 Idempotency-Key 已用于另一个请求"
        " / An unknown camera, an impossible time, or the key was used for another request",
        examples=[
            response(
                "未知摄像机",
                "Unknown camera",
                {"detail": "登记册中没有该摄像机(或您无权为其上报)。", "code": "refused"},
            ),
            response(
                "未指明摄像机",
                "No camera named",
                {"detail": "请指明摄像机:编号,或 device_id 与 channel_id。", "code": "refused"},
            ),
            response(
                "Idempotency-Key 已被使用",
                "Idempotency-Key reused",
                {"detail": "该 Idempotency-Key 已用于另一个请求。", "code": "idempotency_key_reused"},
            ),
        ],
    ),
}

COVERAGE = {
    "pipeline_code": "DY-040",
    "from_m": 1200.0,
    "to_m": 2400.0,
    "covered_m": 412.5,
    "coverage": 0.3438,
    "uncovered": [[1200.0, 1530.1], [1942.6, 2400.0]],
    "cameras": ["CAM-0007"],
}
COVERAGE_DOC = {
    "description": "高后果区管段的视频覆盖:管道中心线位于至少一台在线摄像机视野(以方位角为中心、视场角为张角、有效距离"
    "为半径的扇形,投影坐标系计算)内的部分为已覆盖;给出覆盖长度、覆盖率、未覆盖区间(合并,短于 1 米的不列出)和看到该管段"
    "的摄像机。all_cameras=true 时计入全部摄像机(设计覆盖率)。"
    " The video coverage of an HCA segment: the centreline is covered where it lies inside the view of at least"
    " one online camera (the circular sector of radius range_m from azimuth − fov/2 to azimuth + fov/2, in the"
    " metric CRS); covered metres, the share, the uncovered ranges (merged; pieces under 1 m left out) and the"
    " cameras that see it. all_cameras=true counts every camera (the design coverage).",
    "examples": [response("覆盖情况", "Coverage", COVERAGE, status_codes=["200"])],
}
COVERAGE_RESPONSES = {
    400: invalid(response("all_cameras 无效", "Invalid all_cameras", {"all_cameras": ["必须是有效的布尔值。"]})),
    401: unauthorized(),
    403: forbidden(),
    404: not_found("HcaSegment"),
}
