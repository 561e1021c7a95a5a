"""The pipelines layer: checked against the contract and the database, then
each pipeline created or updated by its code (never deleted: a pipeline
missing from the file keeps its record, hazards and history).

- ``company`` is matched by the company's name, short name or unified social
  credit code. Unknown companies refuse the import (one message listing them
  all) unless missing companies are to be created: then each gets a generated
  valid credit code (GB 32100 check character) and placeholder contacts, to
  be completed in the admin.
- Optional attributes (``wall_thickness_mm``, ``material``, ``status``,
  ``commissioned``) left empty keep what is stored for an existing pipeline;
  a new pipeline gets the defaults below.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from companies.models import OperatingCompany
from companies.validators import CREDIT_CODE_ALPHABET, credit_code_check_char, validate_credit_code
from layers.choices import LayerName
from layers.contract import ALIASES, GEOMETRY_TYPES
from layers.extent import CityExtent
from layers.reading import LayerRead
from layers.validation import Problems, Table
from pipelines.models import Medium, Pipeline, PipelineStatus

LAYER = LayerName.PIPELINES
# Defaults for a new pipeline whose file leaves these empty.
DEFAULT_MATERIAL = "未注明"  # "not stated": correct it in the pipeline's page
DEFAULT_STATUS = PipelineStatus.IN_SERVICE
MIN_DEFAULT_WALL_MM = Decimal("3.0")
# Placeholders of a company created by the import.
PLACEHOLDER_CONTACT = "待补充"  # "to be completed"
PLACEHOLDER_PHONE = "0546-0000000"  # Dongying's area code; a valid landline format
CREATED_CREDIT_CODE_PREFIX = "91370500Y"  # enterprise, Dongying; "Y" marks a generated code

# Model field -> the file's field, for the model's own validation messages.
FILE_FIELDS = {"route": "geometry", "commissioned_on": "commissioned", "company": "company"}


def default_wall_thickness(outer_diameter_mm: Decimal) -> Decimal:
    """d/50 (a common line-pipe ratio: 273 mm -> 5.5 mm, 508 -> 10.2, 1016 -> 20.3),
    at least 3.0 mm, and at most d/4 so it stays below the half-diameter limit."""
    wall = max(outer_diameter_mm / 50, MIN_DEFAULT_WALL_MM)
    wall = min(wall, outer_diameter_mm / 4)
    return max(wall.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), Decimal("0.1"))


def generated_credit_code(name: str, taken: set[str]) -> str:
    """A valid, unused unified social credit code derived from the company name."""
    for attempt in range(1000):
        digest = hashlib.sha256(f"{name}\x00{attempt}".encode()).digest()
        tail_length = 17 - len(CREATED_CREDIT_CODE_PREFIX)
        body = CREATED_CREDIT_CODE_PREFIX + "".join(
            CREDIT_CODE_ALPHABET[byte % len(CREDIT_CODE_ALPHABET)] for byte in digest[:tail_length]
        )
        code = body + credit_code_check_char(body)
        if code not in taken:
            validate_credit_code(code)
            return code
    raise RuntimeError("no free credit code")  # pragma: no cover - 31**8 codes per prefix


@dataclass
class PipelinePlan:
    """Pipelines ready to save; ``new_company`` maps an index in ``pipelines`` to the company to create first."""

    pipelines: list[Pipeline] = field(default_factory=list)
    new_company: dict[int, str] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    repaired: int = 0
    defaults: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.pipelines)

    @property
    def new_company_names(self) -> list[str]:
        return sorted(set(self.new_company.values()))


class _Companies:
    """Operating companies by name, credit code or (unambiguous) short name."""

    AMBIGUOUS = -1

    def __init__(self):
        self.by_name, self.by_code, self.by_short = {}, {}, {}
        for pk, name, short_name, code in OperatingCompany.objects.values_list(
            "pk", "name", "short_name", "credit_code"
        ):
            self.by_name[name.strip()] = pk
            self.by_code[code.upper()] = pk
            short = short_name.strip()
            self.by_short[short] = self.AMBIGUOUS if short in self.by_short else pk

    def find(self, value: str) -> int | None:
        return self.by_name.get(value) or self.by_code.get(value.upper()) or self.by_short.get(value)


def _looks_like_credit_code(value: str) -> bool:
    try:
        validate_credit_code(value.upper())
    except ValidationError:
        return False
    return True


def pipelines_clean(
    read: LayerRead, problems: Problems, *, create_companies: bool, extent: CityExtent | None = None
) -> PipelinePlan:
    frame = read.frame
    rows = np.arange(1, len(frame) + 1)
    table = Table(LAYER, frame, rows, problems)
    codes = table.text("code", 30, required=True)
    table.unique("code", codes)
    names = table.text("name", 100, required=True)
    company_names = table.text("company", 100, required=True)
    media = table.choice("medium", Medium.values)
    diameters = table.decimal(
        "outer_diameter_mm", above=0, maximum=2000, places=1, aliases=ALIASES["outer_diameter_mm"]
    )
    maops = table.decimal("maop_mpa", above=0, maximum=40, places=2)
    walls = table.decimal(
        "wall_thickness_mm", above=0, maximum=999.9, places=1, required=False, aliases=ALIASES["wall_thickness_mm"]
    )
    materials = table.text("material", 40)
    statuses = table.choice("status", PipelineStatus.values, required=False)
    commissioned = table.date("commissioned", aliases=ALIASES["commissioned"])
    geoms, repaired = table.geometries(GEOMETRY_TYPES[LAYER], extent=extent, crs=read.source_srid)

    companies = _Companies()
    company_ids: list[int | None] = []
    unknown: list[str] = []
    for index, name in enumerate(company_names):
        pk = companies.find(name) if name else None
        if pk == _Companies.AMBIGUOUS:
            problems.at_row(
                LAYER,
                int(rows[index]),
                "company",
                _("“%(value)s” is the short name of several companies: give the full name or the credit code")
                % {"value": name},
            )
            pk = None
        elif pk is None and name and name not in unknown:
            unknown.append(name)
        company_ids.append(pk)
    if unknown and not create_companies:
        problems.in_layer(
            LAYER,
            _(
                "company: no operating company has the name, short name or credit code %(names)s. "
                "Add the companies first, or import with “create missing companies”."
            )
            % {"names": "、".join(unknown)},
        )
    elif unknown:
        for name in unknown:
            if _looks_like_credit_code(name):
                problems.in_layer(
                    LAYER,
                    _("company: no company has the credit code %(code)s; add it first (a company needs a name).")
                    % {"code": name},
                )

    existing = Pipeline.objects.in_bulk([c for c in codes if c], field_name="code")
    plan = PipelinePlan(repaired=repaired)
    defaults = {"wall_thickness_mm": 0, "material": 0, "status": 0}
    for index, code in enumerate(codes):
        row = int(rows[index])
        geom = geoms[index]
        diameter = diameters[index]
        if (LAYER, row) in problems.rows or not code or geom is None or diameter is None:
            continue  # reported already
        if shapely.get_type_id(geom) == 1:
            geom = shapely.multilinestrings([geom])
        pipeline = existing.get(code) or Pipeline(code=code)
        is_new = pipeline.pk is None
        pipeline.name = names[index]
        pipeline.company_id = company_ids[index]
        pipeline.medium = media[index]
        pipeline.outer_diameter_mm = diameter
        pipeline.maop_mpa = maops[index]
        pipeline.route = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
        wall = walls[index]
        if wall is not None and wall >= diameter / 2:
            problems.at_row(
                LAYER,
                row,
                "wall_thickness_mm",
                _("must be less than half the outer diameter (%(half)s mm)") % {"half": diameter / 2},
            )
            continue
        if wall is not None:
            pipeline.wall_thickness_mm = wall
        elif is_new or pipeline.wall_thickness_mm >= diameter / 2:
            pipeline.wall_thickness_mm = default_wall_thickness(diameter)
            defaults["wall_thickness_mm"] += 1
        if materials[index]:
            pipeline.material = materials[index]
        elif is_new:
            pipeline.material = DEFAULT_MATERIAL
            defaults["material"] += 1
        if statuses[index]:
            pipeline.status = statuses[index]
        elif is_new:
            pipeline.status = DEFAULT_STATUS
            defaults["status"] += 1
        if commissioned[index] is not None:
            pipeline.commissioned_on = commissioned[index]
        pending = pipeline.company_id is None  # a company to create first
        if pending and (not create_companies or company_names[index] not in unknown):
            continue  # reported above
        try:
            pipeline.full_clean(exclude=["company"] if pending else None)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                where = FILE_FIELDS.get(field_name, field_name) if field_name != "__all__" else _("whole row")
                problems.at_row(LAYER, row, where, " ".join(messages))
            continue
        if pending:
            plan.new_company[len(plan.pipelines)] = company_names[index]
        plan.pipelines.append(pipeline)
        plan.created += is_new
        plan.updated += not is_new
    plan.defaults = {name: count for name, count in defaults.items() if count}
    return plan


def companies_create(names: list[str]) -> dict[str, OperatingCompany]:
    """The missing companies, with generated credit codes and placeholder contacts."""
    taken = set(OperatingCompany.objects.values_list("credit_code", flat=True))
    created = {}
    for name in names:
        code = generated_credit_code(name, taken)
        taken.add(code)
        company = OperatingCompany(
            name=name,
            short_name=name[:30],
            credit_code=code,
            contact_person=PLACEHOLDER_CONTACT,
            contact_phone=PLACEHOLDER_PHONE,
        )
        company.full_clean()
        company.save()
        created[name] = company
    return created


def pipelines_write(plan: PipelinePlan) -> dict:
    companies = companies_create(plan.new_company_names)
    for index, pipeline in enumerate(plan.pipelines):
        if index in plan.new_company:
            pipeline.company = companies[plan.new_company[index]]
        pipeline.save()
    return {
        "created": plan.created,
        "updated": plan.updated,
        "companies_created": plan.new_company_names,
        "defaults": plan.defaults,
        "repaired": plan.repaired,
    }
