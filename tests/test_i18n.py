"""Every user-facing string has a Chinese translation, compiled."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from hazards.choices import HazardCategory, HazardStatus

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The main catalogue and those of apps that keep their own (integrations, layers, hca).
CATALOGUES = [CATALOGUE, *sorted(Path(settings.BASE_DIR).glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))]


def _entries(text):
    for block in text.split("\n\n"):
        if "msgid" not in block:
            continue
        yield block


def test_catalogues_have_no_untranslated_or_fuzzy_entries():
    assert len(CATALOGUES) >= 3
    problems = []
    for catalogue in CATALOGUES:
        problems += [f"{catalogue.parent.parent.parent.parent.name}: {p}" for p in _problems(catalogue)]
    assert problems == []


def _problems(catalogue):
    text = catalogue.read_text(encoding="utf-8")
    problems = []
    for block in _entries(text):
        msgid = re.search(r'^msgid "(.*)"', block, re.M).group(1)
        if msgid == "" and block.lstrip().startswith(("msgid", "#")) and "Content-Type" in block:
            continue  # header
        if "#, fuzzy" in block or re.search(r'^msgstr(\[0\])? ""(?!\n")', block + "\n", re.M):
            problems.append(msgid or block)
    return problems


def test_compiled_catalogue_is_used():
    assert (CATALOGUE.with_suffix(".mo")).exists(), "run `make test` (it compiles the messages)"
    with translation.override("zh-hans"):
        assert str(HazardStatus.CLOSED.label) == "已销号"
        assert str(HazardCategory.ENCROACHMENT.label) == "占压"
    with translation.override("en"):
        assert str(HazardStatus.CLOSED.label) == "closed"
