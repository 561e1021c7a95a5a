"""The product's documentation is in the repository and matches the code."""

import re
from pathlib import Path

from emergency.choices import ValveKind
from layers.choices import AreaType, LayerName, RoadClass, SiteType, WaterType
from layers.contract import ALIASES, FIELDS, GEOMETRY_TYPES
from patrols.choices import CheckpointKind
from pipelines.models import Medium, PipelineStatus

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_docs_name_no_path_outside_the_repository():
    assert len(DOCS) >= 3
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, doc.name
        assert "/work/" not in text, doc.name


def test_links_between_docs_resolve():
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), (doc.name, target)


def test_layer_contract_names_every_layer_attribute_and_value():
    text = (ROOT / "docs" / "layers.md").read_text(encoding="utf-8")
    for layer in LayerName.values:
        assert f"### {layer} " in text, layer
        for attribute in FIELDS[layer]:
            assert f"`{attribute}`" in text, (layer, attribute)
        for geometry in GEOMETRY_TYPES[layer]:
            assert geometry in text, (layer, geometry)
    for aliases in ALIASES.values():
        for alias in aliases:
            assert f"`{alias}`" in text, alias
    from video.choices import CameraKind

    for choices in (
        Medium,
        PipelineStatus,
        SiteType,
        WaterType,
        AreaType,
        RoadClass,
        ValveKind,
        CheckpointKind,
        CameraKind,
    ):
        for value in choices.values:
            assert f"`{value}`" in text, value


def test_readme_lists_every_api_endpoint():
    from api.urls import router

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for prefix, _viewset, _basename in router.registry:
        assert f"{prefix}/" in readme, prefix
    assert "/api/v1/stats/" in readme and "/api/v1/events/" in readme
