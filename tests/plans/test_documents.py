"""Plan documents: the bundled ones validate; malformed ones are rejected by path and line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from servtrade.access import acting_user
from servtrade.classification import default_classifications
from servtrade.i18n import using_language
from servtrade.plans import PlanError, add_plan, plan_catalog, plan_json_schema
from servtrade.plans.documents import bundled_plan_files, load_plan, parse_plan
from servtrade.store import Store

GOOD = """\
id: test-plan
title: {zh: 测试规划, en: Test plan}
region: 贵州
issuer: {zh: 测试, en: test}
issued: "2025-12"
sources: [{title: constructed test plan}]
targets:
  - id: total-2027
    description: {en: at least 120}
    indicator: value
    comparator: ">="
    value: 120
    unit: 亿元
    year: 2027
    baseline: {period: "2024", value: 96}
tasks:
  - id: t1
    aspect: {zh: 开放平台, en: Opening platforms}
    title: {zh: 申建自由贸易试验区, en: Apply for a pilot free trade zone}
    lead: Department of Commerce
    due: 2026-12-31
"""


def _parse(text: str) -> object:
    return parse_plan(text, "plan.yaml", default_classifications())


def test_good_plan_is_normalised_to_codes() -> None:
    plan = parse_plan(GOOD, "plan.yaml", default_classifications())
    assert plan.region == "CN-GZ"
    assert plan.targets[0].unit == "CNY_100M"
    assert plan.targets[0].target_year == 2027


# A fault in a plan: the text replaced, the YAML path and line reported, the reason.
MALFORMED = [
    (
        "indicator: value",
        "indicator: volume",
        "targets[0].indicator",
        10,
        "unknown indicator 'volume'",
    ),
    ("region: 贵州", "region: Atlantis", "region", 3, "unknown region 'Atlantis'"),
    ('    comparator: ">="\n', "", "targets[0].comparator", 8, "a required field is missing"),
    (
        'period: "2024"',
        'period: "2028"',
        "targets[0]",
        8,
        "target year 2027 is not after the baseline 2028",
    ),
    (
        "  - id: t1",
        "  - id: t1\n    status: finished",
        "tasks[0].status",
        18,
        "give one of not_started, in_progress, done, or blocked",
    ),
    ("unit: 亿元", "unit: percent", "targets[0]", 8, "unit percent does not fit value"),
    ("unit: 亿元", "unit: furlongs", "targets[0].unit", 13, "unknown unit 'furlongs'"),
    ("    year: 2027\n", "", "targets[0]", 8, "give exactly one of year, each_year"),
    ('comparator: ">="', 'comparator: "="', "targets[0]", 8, "only for untracked targets"),
    (
        'issued: "2025-12"',
        'issued: "Dec 2025"',
        "issued",
        5,
        "is not YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    (
        "sources: [{title: constructed test plan}]",
        "sources: []",
        "sources",
        6,
        "give at least 1 item",
    ),
    ("value: 120", "value: lots", "targets[0].value", 12, "give a number"),
    ("year: 2027", "year: 1800", "targets[0].year", 14, "give 1900 or more"),
    ("    lead:", "    leader: someone\n    lead:", "tasks[0].leader", 20, "not part of"),
    ('period: "2024"', 'period: "2024-13"', "targets[0].baseline.period", 15, "outside 1-12"),
]


@pytest.mark.parametrize(("old", "new", "path", "line", "reason"), MALFORMED)
def test_malformed_plan_reports_path_line_and_reason(
    old: str, new: str, path: str, line: int, reason: str
) -> None:
    assert old in GOOD
    with pytest.raises(PlanError) as caught:
        _parse(GOOD.replace(old, new))
    issues = [i for i in caught.value.issues if i.path == path]
    assert issues, [str(i) for i in caught.value.issues]
    assert reason in issues[0].reason
    assert issues[0].line == line
    assert issues[0].file == "plan.yaml"


# Words of English prose that a reason left untranslated would show (codes and field
# names, which the YAML is written in, may stay).
ENGLISH_WORDS = re.compile(r"\b(the|is|not|of|one|give|should|must|field|required|input)\b", re.I)


@pytest.mark.parametrize(("old", "new", "path", "line", "reason"), MALFORMED)
def test_a_plans_faults_read_in_chinese(
    old: str, new: str, path: str, line: int, reason: str
) -> None:
    """Plan-validation reasons stayed English under --lang zh (pydantic's own messages and
    the validators' f-strings)."""
    with pytest.raises(PlanError) as caught:
        _parse(GOOD.replace(old, new))
    with using_language("zh"):
        reasons = [i.reason for i in caught.value.issues if i.path == path]
        whole = str(caught.value)
    assert reasons and all(re.search("[\u4e00-\u9fff]", r) for r in reasons), reasons
    assert not ENGLISH_WORDS.search(whole), whole
    assert reason in next(i.reason for i in caught.value.issues if i.path == path)  # English


def test_duplicate_ids_are_rejected() -> None:
    doubled = GOOD.replace(
        "tasks:", GOOD[GOOD.index("  - id: total-2027") : GOOD.index("tasks:")] + "tasks:"
    )
    with pytest.raises(PlanError, match="duplicate target id"):
        _parse(doubled)


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(PlanError) as caught:
        _parse(GOOD.replace("title: {zh: 测试规划, en: Test plan}", "title: {zh: 测试规划"))
    assert caught.value.issues[0].line is not None
    assert "not valid YAML" in caught.value.issues[0].reason


def test_a_rejected_plan_is_not_stored(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("indicator: value", "indicator: volume"), encoding="utf-8")
    with pytest.raises(PlanError):
        add_plan(store, path, acting_user(store, "analyst"))
    assert store.plan_documents() == []
    path.write_text(GOOD, encoding="utf-8")
    add_plan(store, path, acting_user(store, "analyst"))
    assert "test-plan" in plan_catalog(store)


def test_bundled_plans_validate_and_keep_sources() -> None:
    files = bundled_plan_files()
    assert len(files) >= 7
    plans = [load_plan(f, default_classifications()) for f in files]
    assert all(p.sources and all(s.title for s in p.sources) for p in plans)
    guizhou = next(p for p in plans if p.region == "CN-GZ")
    targets = {t.id: t for t in guizhou.targets}
    assert (targets["total-2027"].value, targets["total-2027"].unit) == (120, "CNY_100M")
    assert (targets["total-2030"].value, targets["total-2030"].year) == (140, 2030)
    assert (targets["dds-share-2027"].value, targets["dds-share-2030"].value) == (35, 45)
    growth = targets["growth-15th-fyp"]
    assert growth.average_over is not None
    assert (growth.average_over.start, growth.average_over.end, growth.value) == (2026, 2030, 5)


def test_published_json_schema_is_current() -> None:
    published = Path(__file__).resolve().parents[2] / "src/servtrade/plans/plan.schema.json"
    assert published.read_text(encoding="utf-8") == plan_json_schema()
    schema = json.loads(plan_json_schema())
    assert "targets" in schema["required"]
