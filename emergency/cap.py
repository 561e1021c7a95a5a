"""An incident's alerts as OASIS Common Alerting Protocol 1.2 documents, for
platforms that speak CAP (the city command platform's alert bus).

One document per alert: the report is ``msgType`` Alert; each later step
(valves closed, leak stopped, area cleared, a valve that failed) is an
Update referring to the first alert; closing is an Update whose
``responseType`` is AllClear. The area is a circle around the incident with
the reach's radius (``lat,lon radius-in-km``, as CAP 1.2 §3.3.2 writes it).
"""

import xml.etree.ElementTree as ET
from datetime import datetime

from django.utils import timezone

from emergency.choices import IncidentKind, IncidentLevel, IncidentStepKind

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "gdjg@pipeline-safety"  # the office's sender id on the platform

SEVERITY = {
    IncidentLevel.I: "Extreme",
    IncidentLevel.II: "Severe",
    IncidentLevel.III: "Moderate",
    IncidentLevel.IV: "Minor",
}
EVENT = {
    IncidentKind.LEAK: "油气管道泄漏",
    IncidentKind.RUPTURE: "油气管道断裂",
    IncidentKind.FIRE: "油气管道火灾爆炸",
    IncidentKind.THEFT_TAP: "打孔盗油",
}
STEP_TEXT = {
    IncidentStepKind.REPORTED: "事件已报告",
    IncidentStepKind.VALVES_CLOSED: "截断阀门已关闭",
    IncidentStepKind.LEAK_STOPPED: "泄漏已控制",
    IncidentStepKind.AREA_CLEARED: "现场已清理",
    IncidentStepKind.CLOSED: "事件处置结束",
    IncidentStepKind.VALVE_FAILED: "阀门无法关闭，已扩大截断范围",
}


def _cap_time(at: datetime) -> str:
    """CAP's dateTime: local time with its offset, no fractions (e.g. 2026-11-21T08:05:00+08:00)."""
    return timezone.localtime(at).replace(microsecond=0).isoformat()


def identifier(incident, step) -> str:
    return f"{incident.code}-{step.pk}"


def incident_cap(incident, step, *, first_step=None) -> bytes:
    """The CAP 1.2 document for ``step`` of ``incident`` (UTF-8 XML)."""
    ET.register_namespace("", CAP_NS)

    def sub(parent, tag, text=None):
        element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        if text is not None:
            element.text = str(text)
        return element

    alert = ET.Element(f"{{{CAP_NS}}}alert")
    sub(alert, "identifier", identifier(incident, step))
    sub(alert, "sender", SENDER)
    sub(alert, "sent", _cap_time(step.at))
    sub(alert, "status", "Exercise" if incident.is_drill else "Actual")
    is_first = step.kind == IncidentStepKind.REPORTED
    sub(alert, "msgType", "Alert" if is_first else "Update")
    sub(alert, "scope", "Public")
    if not is_first and first_step is not None:
        sub(alert, "references", f"{SENDER},{identifier(incident, first_step)},{_cap_time(first_step.at)}")
    info = sub(alert, "info")
    sub(info, "language", "zh-CN")
    sub(
        info,
        "category",
        "Env" if incident.kind == IncidentKind.LEAK else "Fire" if incident.kind == IncidentKind.FIRE else "Safety",
    )
    sub(info, "event", EVENT.get(incident.kind, incident.kind))
    sub(info, "responseType", "AllClear" if step.kind == IncidentStepKind.CLOSED else "Monitor")
    closed = step.kind == IncidentStepKind.CLOSED
    sub(info, "urgency", "Past" if closed else "Immediate")
    sub(info, "severity", SEVERITY.get(incident.level, "Unknown"))
    sub(info, "certainty", "Observed")
    sub(info, "onset", _cap_time(incident.occurred_at))
    sub(info, "senderName", "油气管道保护主管部门")
    trace = incident.trace or {}
    where = f"{trace.get('pipeline_code')} {trace.get('chainage_m')} m" if trace.get("pipeline_code") else ""
    sub(
        info,
        "headline",
        f"{EVENT.get(incident.kind, incident.kind)} {incident.code}：{STEP_TEXT.get(step.kind, step.kind)}",
    )
    description = [incident.description] if incident.description else []
    if where:
        description.append(f"位置：管道 {where}")
    valves = [v["code"] for v in trace.get("valves_to_close", [])]
    if valves and not closed:
        description.append("需关闭阀门：" + "、".join(valves))
    sub(info, "description", "\n".join(description) or EVENT.get(incident.kind, incident.kind))
    sub(info, "instruction", "远离事发区域，服从现场指挥。" if not closed else "事件处置结束，解除警戒。")
    parameter = sub(info, "parameter")
    sub(parameter, "valueName", "incidentCode")
    sub(parameter, "value", incident.code)
    area = sub(info, "area")
    sub(area, "areaDesc", where or f"{incident.location.y:.6f},{incident.location.x:.6f}")
    radius_km = float((trace.get("reach") or {}).get("radius_m") or 200.0) / 1000
    sub(area, "circle", f"{incident.location.y:.6f},{incident.location.x:.6f} {radius_km:.3f}")
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)
