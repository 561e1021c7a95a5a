import json
from pathlib import Path

import pytest
from django.conf import settings

from standards.models import NormClause, WorkNorm

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "work_norms.json"


@pytest.mark.django_db
def test_exactly_23_norms_each_with_checkable_clauses():
    assert WorkNorm.objects.count() == 23
    assert list(WorkNorm.objects.values_list("number", flat=True)) == list(range(1, 24))
    for norm in WorkNorm.objects.prefetch_related("clauses"):
        clauses = list(norm.clauses.all())
        assert len(clauses) >= 3, norm.code
        assert [c.number for c in clauses] == list(range(1, len(clauses) + 1)), norm.code
        for clause in clauses:
            assert clause.text.strip() and clause.check_method.strip(), clause.reference


@pytest.mark.django_db
def test_every_norm_is_marked_as_a_reconstruction():
    for norm in WorkNorm.objects.all():
        assert "重构" in norm.description, norm.code


def test_fixture_covers_the_named_topics():
    items = json.loads(FIXTURE.read_text(encoding="utf-8"))
    titles = " ".join(i["fields"]["title"] for i in items if i["model"] == "standards.worknorm")
    for topic in (
        "巡护",
        "第三方施工",
        "高后果区",
        "隐患",
        "标识",
        "占压",
        "应急预案",
        "演练",
        "保护协议",
        "视频",
        "盗油",
    ):
        assert topic in titles, topic


@pytest.mark.django_db
def test_clause_reference_reads_like_the_norm_code():
    clause = NormClause.objects.select_related("norm").get(norm__number=1, number=2)
    assert clause.reference == "DYGB-01-2"
    assert str(clause).startswith("DYGB-01-2 ")
