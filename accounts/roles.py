"""The roles of the system as Django groups, kept in sync with this table.

``roles_sync()`` runs after every ``migrate`` (see AccountsConfig.ready) and
may be run again at any time: it creates missing groups and sets each group's
permissions to exactly what is listed here.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

INSPECTOR = "inspector"
MANAGER = "manager"
COMPANY_STAFF = "company_staff"
PATROLLER = "patroller"
CONTRACTOR = "contractor"

ROLE_LABELS = {
    INSPECTOR: _("inspector"),
    MANAGER: _("manager"),
    COMPANY_STAFF: _("company staff"),
    PATROLLER: _("patroller"),
    CONTRACTOR: _("contractor"),
}

_DOMAIN_MODELS = {
    "companies": ["operatingcompany"],
    "pipelines": ["pipeline"],
    "standards": ["worknorm", "normclause"],
    "inspections": ["inspectioncampaign", "inspectionrecord", "checklistresult"],
    "hazards": ["hazard", "hazardphoto", "rectification", "rectificationevidence"],
}
_READ_ONLY_MODELS = {
    "hazards": ["hazardtransition", "deadlinepolicy"],
    "escalations": ["escalation", "deadlinereminder"],
}
_REGULATOR_ONLY_MODELS = {"integrations": ["webhooksubscription", "webhookdelivery"]}
# The city's GIS layers and the HCA work on them.
_LAYER_MODELS = {"layers": ["building", "site", "settlement", "waterbody", "protectedarea", "road"]}
# Emergency response: valves on the network, incidents and their time line.
_EMERGENCY_MODELS = {"emergency": ["valve", "incident", "incidentstep"]}
# Emergency plans and drills: kept by the companies and the inspectors; flags written by the nightly run.
_PREPAREDNESS_MODELS = {"emergency": ["emergencyplan", "drill"]}
_PREPAREDNESS_FLAGS = {"emergency": ["preparednessflag"]}
# Patrols: teams, agreements, sections and checkpoints kept by the office; tasks generated and judged by the
# nightly jobs; devices and tracks.
_PATROL_PLAN_MODELS = {"patrols": ["team", "protectionagreement", "patrolsection", "checkpoint", "device"]}
_PATROL_RECORDS = {"patrols": ["patroltask", "patroltaskevent", "patroltrack"]}
# Oil-region security: theft incidents and police cases (company-scoped through the pipeline), their
# history and evidence; refinery points are the regulator's own data (company staff get no permission).
_THEFT_MODELS = {"security": ["theftincident", "policecase"]}
_THEFT_RECORDS = {"security": ["thefthistory", "theftevidence"]}
_REFINERY_MODELS = {"security": ["refinerypoint"]}
_REFINERY_RECORDS = {"security": ["refineryrecheck", "refineryhistory"]}
# Third-party construction applications (施工申请) and their records.
_CONSTRUCTION_RECORDS = {
    "construction": ["application", "applicationoperator", "agreementversion", "checkin", "applicationstep"]
}
# Video monitoring: the camera register (kept by the companies and the inspectors), outages, coverage, alarms.
_VIDEO_CAMERAS = {"video": ["camera"]}
_VIDEO_RECORDS = {"video": ["cameraoutage", "segmentcoverage", "videoalarm"]}
_HCA_RECORDS = {
    "layers": ["layerimport"],
    "hca": ["hcarule", "hcarun", "hcaassessment", "hcasegment", "hcareview", "encroachment"],
}


def _codenames(actions, models_by_app):
    return [
        (app, f"{action}_{model}") for app, models in models_by_app.items() for model in models for action in actions
    ]


def _hazard_permissions(*codenames):
    return [("hazards", codename) for codename in codenames]


ROLE_PERMISSIONS = {
    # Inspectors plan campaigns, inspect, log hazards, assign them, review
    # rectifications, reopen, extend deadlines and issue escalations.
    INSPECTOR: [
        *_codenames(("view", "add", "change"), _DOMAIN_MODELS),
        *_codenames(("view",), _READ_ONLY_MODELS),
        ("hazards", "delete_hazardphoto"),
        ("inspections", "delete_checklistresult"),
        ("escalations", "add_escalation"),
        *_codenames(("view",), _REGULATOR_ONLY_MODELS),
        ("integrations", "resend_webhookdelivery"),
        # GIS: import layers, correct features, run identification, review segments.
        *_codenames(("view", "add", "change", "delete"), _LAYER_MODELS),
        *_codenames(("view",), _HCA_RECORDS),
        ("layers", "add_layerimport"),
        ("hca", "add_hcarun"),
        ("hca", "change_hcasegment"),
        *_codenames(("view",), _EMERGENCY_MODELS),
        ("emergency", "add_valve"),
        ("emergency", "change_valve"),
        ("emergency", "delete_valve"),
        ("emergency", "add_incident"),
        *_codenames(("view", "add", "change"), _PREPAREDNESS_MODELS),
        *_codenames(("view",), _PREPAREDNESS_FLAGS),
        *_codenames(("view", "add", "change", "delete"), _VIDEO_CAMERAS),
        *_codenames(("view",), _VIDEO_RECORDS),
        ("video", "change_videoalarm"),
        *_hazard_permissions(
            "assign_hazard", "review_hazard", "reopen_hazard", "extend_hazard_deadline", "export_hazard_ledger"
        ),
        *_codenames(("view", "add", "change", "delete"), _PATROL_PLAN_MODELS),
        *_codenames(("view",), _PATROL_RECORDS),
        ("patrols", "add_patroltrack"),
        *_codenames(("view", "add", "change"), _THEFT_MODELS),
        *_codenames(("view",), _THEFT_RECORDS),
        *_codenames(("view", "add", "change"), _REFINERY_MODELS),
        *_codenames(("view",), _REFINERY_RECORDS),
        # Construction: enter applications, review, approve or refuse, safety reviews, damage reports.
        *_codenames(("view",), _CONSTRUCTION_RECORDS),
        *[("construction", f"{action}_contractor") for action in ("view", "add", "change")],
        ("construction", "add_application"),
        ("construction", "review_application"),
        ("construction", "progress_application"),
        ("construction", "export_application_ledger"),
        # On-site supervision check-ins from the field page (field/checkins.py), like an operator's guard.
        ("construction", "checkin_application"),
    ],
    # Managers watch, approve deadline extensions and keep the deadline table.
    MANAGER: [
        *_codenames(("view",), _DOMAIN_MODELS),
        *_codenames(("view",), _READ_ONLY_MODELS),
        ("hazards", "change_deadlinepolicy"),
        *_codenames(("view",), _REGULATOR_ONLY_MODELS),
        *_codenames(("view",), _LAYER_MODELS),
        *_codenames(("view",), _HCA_RECORDS),
        ("hca", "change_hcarule"),
        *_codenames(("view",), _EMERGENCY_MODELS),
        ("emergency", "view_countycontact"),
        *_codenames(("view",), _VIDEO_CAMERAS),
        *_codenames(("view",), _VIDEO_RECORDS),
        *_codenames(("view",), _PREPAREDNESS_MODELS),
        *_codenames(("view",), _PREPAREDNESS_FLAGS),
        *_hazard_permissions("approve_deadline_extension", "export_hazard_ledger"),
        *_codenames(("view",), _PATROL_PLAN_MODELS),
        *_codenames(("view",), _PATROL_RECORDS),
        *_codenames(("view",), _THEFT_MODELS),
        *_codenames(("view",), _THEFT_RECORDS),
        *_codenames(("view",), _REFINERY_MODELS),
        *_codenames(("view",), _REFINERY_RECORDS),
        *_codenames(("view",), _CONSTRUCTION_RECORDS),
        ("construction", "view_contractor"),
        ("construction", "export_application_ledger"),
    ],
    # Company staff see their own company's records (accounts/scoping.py),
    # record rectification progress and evidence, and submit for acceptance.
    # They cannot assign, accept, close, reassign or edit findings.
    COMPANY_STAFF: [
        *_codenames(("view",), _DOMAIN_MODELS),
        ("hazards", "view_hazardtransition"),
        ("escalations", "view_escalation"),
        ("escalations", "view_deadlinereminder"),
        ("hca", "view_hcasegment"),
        ("hca", "view_encroachment"),
        *_codenames(("view",), _EMERGENCY_MODELS),
        ("emergency", "add_incident"),
        *_codenames(("view", "add", "change"), _PREPAREDNESS_MODELS),
        *_codenames(("view",), _PREPAREDNESS_FLAGS),
        *_codenames(("view", "add", "change"), _VIDEO_CAMERAS),
        *_codenames(("view",), _VIDEO_RECORDS),
        ("hazards", "change_rectification"),
        ("hazards", "add_rectificationevidence"),
        *_hazard_permissions("rectify_hazard", "export_hazard_ledger"),
        # Their own pipelines' theft incidents: record one, seal it, report it, add evidence.
        *_codenames(("view", "add", "change"), {"security": ["theftincident"]}),
        ("security", "view_policecase"),
        *_codenames(("view",), _THEFT_RECORDS),
        *_codenames(("view",), _PATROL_PLAN_MODELS),
        *_codenames(("view",), _PATROL_RECORDS),
        # Construction: applications that concern the company's pipelines: answer, agreements, check-ins.
        *_codenames(("view",), _CONSTRUCTION_RECORDS),
        ("construction", "answer_application"),
        ("construction", "checkin_application"),
        ("construction", "export_application_ledger"),
    ],
    # Patrollers (巡护员) patrol with the field page: they see their own team's sections, checkpoints and tasks
    # (accounts/scoping.py TEAM_PATHS) and record their tracks.
    PATROLLER: [
        ("patrols", "view_team"),
        ("patrols", "view_patrolsection"),
        ("patrols", "view_checkpoint"),
        ("patrols", "view_patroltask"),
        ("patrols", "view_patroltrack"),
        ("patrols", "add_patroltrack"),
    ],
    # Contractors (施工单位) submit their own applications, send the notice, start and complete the work.
    CONTRACTOR: [
        *_codenames(("view",), _CONSTRUCTION_RECORDS),
        ("construction", "add_application"),
        ("construction", "progress_application"),
    ],
}


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    groups = {}
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        condition = Q(pk__in=[])
        for app_label, codename in wanted:
            condition |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(condition))
        if len(permissions) != len(wanted):
            # Permissions appear after the app's first migrate; sync again then.
            continue
        group.permissions.set(permissions)
        groups[role] = group
    return groups
