"""Coherence checks, scenarios, comparisons and tasks, against hand-computed numbers."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servtrade.access import acting_user
from servtrade.classification import default_classifications
from servtrade.cli import app
from servtrade.ingest import ingest_file
from servtrade.periods import parse_period
from servtrade.plans import PlanError, find_plan, task_states, update_task
from servtrade.plans.coherence import check_plan
from servtrade.plans.compare import compare_places
from servtrade.plans.documents import parse_plan
from servtrade.plans.scenario import ScenarioError, required_part_growth, run_scenario
from servtrade.store import Store
from tests.conftest import constructed_rows, write_csv
from tests.plans.test_documents import GOOD

GUIZHOU = "guizhou-services-digital-trade-2025"
runner = CliRunner()


def test_guizhou_plan_coherence(store: Store) -> None:
    plan = find_plan(store, GUIZHOU)
    findings = {f.check: f for f in check_plan(plan, default_classifications())}
    implied = findings["implied_growth"]
    assert implied.severity == "info"  # 120 -> 140 over 2027-2030 = 5.27% a year, >= 5%
    assert f"{((140 / 120) ** (1 / 3) - 1) * 100:.1f}%" in implied.message
    share = findings["share_growth"]
    part = ((140 * 0.45) / (120 * 0.35)) ** (1 / 3) - 1  # 42 -> 63: 14.5% a year
    assert share.severity == "warning"
    assert f"{part * 100:.1f}%" in share.message


def test_same_aggregate_constrained_twice() -> None:
    text = GOOD.replace(
        "tasks:",
        """  - id: dds
    description: {en: dds share}
    indicator: digitally_deliverable_share
    comparator: ">="
    value: 35
    unit: percent
    year: 2027
  - id: kis
    description: {en: kis share}
    indicator: knowledge_intensive_share
    comparator: ">="
    value: 40
    unit: percent
    year: 2027
tasks:""",
    )
    plan = parse_plan(text, "p.yaml", default_classifications())
    findings = [
        f for f in check_plan(plan, default_classifications()) if f.check == "same_aggregate_twice"
    ]
    assert [f.targets for f in findings] == [("dds", "kis")]


def test_contradicting_growth_target_is_a_warning() -> None:
    text = GOOD.replace(
        "tasks:",
        """  - id: total-2030
    description: {en: 130 by 2030}
    indicator: value
    comparator: ">="
    value: 130
    unit: 亿元
    year: 2030
  - id: growth
    description: {en: at least 5% a year}
    indicator: yoy_growth
    comparator: ">="
    value: 5
    unit: percent
    average_over: {start: 2026, end: 2030}
tasks:""",
    )
    plan = parse_plan(text, "p.yaml", default_classifications())
    (finding,) = [
        f for f in check_plan(plan, default_classifications()) if f.check == "implied_growth"
    ]
    assert finding.severity == "warning"  # 120 -> 130 in 3 years is 2.7% a year
    assert "contradicts" in finding.message


def test_scenario_outcomes_by_hand(store: Store) -> None:
    plan = find_plan(store, GUIZHOU)
    result = run_scenario(
        store,
        plan,
        {"TOTAL": 5, "digitally_deliverable": 12},
        base={"S": 100, "digitally_deliverable": 30},
        base_year=2025,
    )
    outcomes = {o.target: o for o in result.outcomes}
    total_2027 = 30 * 1.12**2 + 70 * 1.05**2
    assert outcomes["total-2027"].projected == pytest.approx(total_2027)
    assert outcomes["total-2027"].met is False
    total_2030 = 30 * 1.12**5 + 70 * 1.05**5
    assert outcomes["total-2030"].projected == pytest.approx(total_2030)
    assert outcomes["total-2030"].met is True
    assert outcomes["dds-share-2030"].projected == pytest.approx(30 * 1.12**5 / total_2030 * 100)
    assert outcomes["growth-15th-fyp"].projected == pytest.approx(
        ((total_2030 / 100) ** (1 / 5) - 1) * 100
    )
    required = {r.target: r.required_growth for r in result.required}
    assert required["dds-share-2027"] == pytest.approx(
        ((0.35 / 0.65 * 70 / 30) ** 0.5 * 1.05 - 1) * 100
    )


def test_required_part_growth_inverts_the_projection() -> None:
    growth = required_part_growth(30, 70, 45, 5, 5)
    assert growth is not None
    part = 30 * (1 + growth / 100) ** 5
    assert part / (part + 70 * 1.05**5) == pytest.approx(0.45)


def test_scenario_needs_data_or_a_base(store: Store) -> None:
    plan = find_plan(store, GUIZHOU)
    with pytest.raises(ScenarioError, match="no full year with data"):
        run_scenario(store, plan, {"TOTAL": 5})
    with pytest.raises(ScenarioError, match="TOTAL"):
        run_scenario(store, plan, {"SJ": 5})


def test_scenario_from_stored_data(guizhou: Store) -> None:
    plan = find_plan(guizhou, GUIZHOU)
    result = run_scenario(guizhou, plan, {"TOTAL": 10})
    assert result.base_year == 2024
    outcomes = {o.target: o for o in result.outcomes}
    assert outcomes["total-2027"].projected == pytest.approx(96 * 1.1**3)


def test_compare_places_ranks_and_shows_progress(store: Store, tmp_path: Path) -> None:
    rows = (
        constructed_rows("CN-GZ", {("2024", "total", "S"): 96, ("2022", "total", "S"): 80})
        + constructed_rows("CN-ZJ", {("2024", "total", "S"): 7000})
        + constructed_rows("CN-HA", {("2024", "total", "S"): 500})
    )
    ingest_file(store, write_csv(tmp_path / "c.csv", *rows))
    ranked = compare_places(
        store, "value", ["CN-GZ", "CN-ZJ", "CN-HA", "CN-SC"], parse_period("2024")
    )
    assert [(r.region, r.rank) for r in ranked] == [
        ("CN-ZJ", 1),
        ("CN-HA", 2),
        ("CN-GZ", 3),
        ("CN-SC", None),
    ]
    guizhou = ranked[2]
    assert {plan for plan, _ in guizhou.targets} == {GUIZHOU}
    assert {p.target.id for _, p in guizhou.targets} == {"total-2027", "total-2030"}


def test_tasks_record_who_and_when(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD, encoding="utf-8")
    plan = find_plan(store, str(path))
    assert [s.status for s in task_states(store, plan)] == ["not_started"]
    update_task(
        store, plan, "t1", "in_progress", acting_user(store, "Li Wei"), "application drafted"
    )
    (state,) = task_states(store, plan)
    assert (state.status, state.changed_by, state.note) == (
        "in_progress",
        "Li Wei",
        "application drafted",
    )
    assert state.changed_at is not None
    with pytest.raises(PlanError, match="status must be one of"):
        update_task(store, plan, "t1", "finished", acting_user(store, "Li Wei"))
    with pytest.raises(PlanError, match="no task"):
        update_task(store, plan, "t9", "done", acting_user(store, "Li Wei"))


def test_track_json_contract(tmp_path: Path, bundled_db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "track",
            "mofcom-services-trade-revitalization-2015",
            "--db",
            str(bundled_db),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:4] == ["plan", "region", "as_of", "targets"]
    keys = [
        "id",
        "indicator",
        "flow",
        "category",
        "comparator",
        "target_value",
        "unit",
        "target_year",
        "latest_value",
        "latest_period",
        "required_annual_growth",
        "actual_annual_growth",
        "status",
        "probability",
    ]
    assert all(list(t)[: len(keys)] == keys for t in data["targets"])


def test_plans_list_json_and_check_cli(bundled_db: Path) -> None:
    listed = json.loads(
        runner.invoke(app, ["plans", "--db", str(bundled_db), "--format", "json"]).stdout
    )
    assert {"id", "region", "title", "source"} <= set(listed[0])
    assert any(p["id"] == GUIZHOU and p["region"] == "CN-GZ" for p in listed)
    checked = runner.invoke(app, ["plans", "check", GUIZHOU, "--db", str(bundled_db)])
    assert checked.exit_code == 0
    assert "5.3%" in checked.stdout


def test_tasks_cli_names_who(tmp_path: Path) -> None:
    """A task change from the CLI is attributed to --by, else to the OS user, in the audit
    log as in the task's history."""
    db = str(tmp_path / "t.duckdb")
    plan = tmp_path / "plan.yaml"
    plan.write_text(GOOD, encoding="utf-8")
    unnamed = runner.invoke(app, ["tasks", str(plan), "--set", "t1=in_progress", "--db", db])
    assert unnamed.exit_code == 0, unnamed.output
    assert "in progress" in unnamed.stdout and "in_progress" not in unnamed.stdout  # in words
    chinese = runner.invoke(app, ["--lang", "zh", "tasks", str(plan), "--db", db])
    assert "进行中" in chinese.stdout
    with Store(Path(db)) as store:
        audit = store.audit_log()
    assert list(audit["user_name"]) == [getpass.getuser()]
    assert list(audit["after"]) == ["in_progress"]
    done = runner.invoke(
        app, ["tasks", str(plan), "--set", "t1=done", "--by", "Li", "--db", db, "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)[0]["status"] == "done"


def test_scenario_cli(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "scenario",
            GUIZHOU,
            "--growth",
            "TOTAL=5",
            "--growth",
            "digitally_deliverable=12",
            "--base",
            "S=100",
            "--base",
            "digitally_deliverable=30",
            "--base-year",
            "2025",
            "--db",
            str(tmp_path / "s.duckdb"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    outcomes = {o["target"]: o for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["total-2030"]["met"] is True
    # 100 growing 5% a year on the rest and 12% on digitally deliverable services, in words.
    args = ["scenario", GUIZHOU, "--growth", "TOTAL=5", "--growth", "digitally_deliverable=12"]
    args += ["--base", "S=100", "--base", "digitally_deliverable=30", "--base-year", "2025"]
    args += ["--db", str(tmp_path / "s.duckdb")]
    table = runner.invoke(app, ["--lang", "zh", *args], env={"COLUMNS": "200"})
    total_2030 = 70 * 1.05**5 + 30 * 1.12**5  # 142.2亿元
    assert f"{total_2030:.1f}亿元" in table.stdout and "≥ 140.0亿元" in table.stdout
    assert "可数字化交付的服务" in table.stdout and "CNY_100M" not in table.stdout
    no_total = ["scenario", GUIZHOU, "--growth", "X=1", "--db", str(tmp_path / "s.duckdb")]
    missing = runner.invoke(app, ["--lang", "zh", *no_total])
    assert missing.exit_code == 1 and "请以 TOTAL=RATE 给出其余服务贸易的增速" in missing.output


def test_unknown_plan_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["track", "no-such-plan", "--db", str(tmp_path / "u.duckdb")])
    assert result.exit_code == 1
    assert "no plan with this id" in result.output
