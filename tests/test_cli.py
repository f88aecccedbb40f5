"""The CLI contract: exit codes, JSON keys, both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.store import Store
from tests.conftest import write_csv

runner = CliRunner()
KEYS = [
    *("region", "period", "flow", "category", "indicator", "value", "unit"),
    *("derivation", "basis", "qualifier", "decimals", "note"),  # as the API gives them
]


def test_ingest_exit_codes(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    good = write_csv(tmp_path / "good.csv", "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20")
    bad = write_csv(tmp_path / "bad.csv", "CN-GZ,2024,total,SZ,1,亿元,,t,2025-01-20")
    mixed = write_csv(
        tmp_path / "mixed.csv",
        "CN-GZ,2023,total,S,90,亿元,,t,2025-01-20",
        "CN-GZ,2023,total,SZ,1,亿元,,t,2025-01-20",
    )
    assert runner.invoke(app, ["ingest", str(good), "--db", db]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(bad), "--db", db])
    assert result.exit_code == 1
    assert "unknown category 'SZ'" in result.output
    assert runner.invoke(app, ["ingest", str(mixed), "--db", db, "--allow-partial"]).exit_code == 3
    assert runner.invoke(app, ["ingest", "--db", db, "--no-such-flag", str(good)]).exit_code == 2
    assert runner.invoke(app, ["ingest", str(good), "--db", db, "--vintage", "soon"]).exit_code == 2


def test_indicators_json_contract(bundled_db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "indicators",
            "--region",
            "China",
            "--indicator",
            "yoy_growth",
            "--from",
            "2021",
            "--to",
            "2021",
            "--db",
            str(bundled_db),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert all(list(r) == KEYS for r in records)
    annual = [r for r in records if r["period"] == "2021"]
    assert [r["derivation"] for r in annual] == ["published", "computed"]
    assert annual[0]["value"] == 16.1
    assert annual[1]["value"] == pytest.approx(16.08, abs=0.005)
    assert annual[0]["unit"] == "percent"


def test_indicators_csv_and_table(bundled_db: Path) -> None:
    args = [
        "indicators",
        "--region",
        "CN",
        "--from",
        "2024",
        "--to",
        "2024",
        "--db",
        str(bundled_db),
    ]
    csv_out = runner.invoke(app, [*args, "--format", "csv", "--unit", "亿元"])
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[0] == ",".join(KEYS)
    assert "CN,2024,total,S,value,75238.0,CNY_100M,published" in csv_out.stdout
    table = runner.invoke(app, ["--lang", "zh", *args])
    assert "公布数" in table.stdout


def test_unknown_region_is_a_usage_error(bundled_db: Path) -> None:
    result = runner.invoke(app, ["indicators", "--region", "Atlantis", "--db", str(bundled_db)])
    assert result.exit_code == 2


def test_regions_and_categories_list_both_languages(tmp_path: Path) -> None:
    regions = runner.invoke(
        app, ["regions", "--kind", "province", "--db", str(tmp_path / "r.duckdb")]
    )
    assert "CN-GZ" in regions.stdout and "贵州省" in regions.stdout and "Guizhou" in regions.stdout
    categories = runner.invoke(app, ["categories"])
    assert "知识产权使用费" in categories.stdout and "SK1" in categories.stdout


def test_register_a_city_and_load_its_figures(tmp_path: Path) -> None:
    db = str(tmp_path / "city.duckdb")
    added = runner.invoke(
        app,
        [
            "regions",
            "add",
            "CN-GZ-GY",
            "--name-en",
            "Guiyang",
            "--name-zh",
            "贵阳市",
            "--parent",
            "CN-GZ",
            "--alias",
            "贵阳",
            "--db",
            db,
        ],
    )
    assert added.exit_code == 0, added.output
    path = write_csv(tmp_path / "gy.csv", "贵阳,2024,total,S,50,亿元,,t,2025-01-20")
    assert runner.invoke(app, ["ingest", str(path), "--db", db]).exit_code == 0
    bad_parent = runner.invoke(
        app,
        [
            "regions",
            "add",
            "X-1",
            "--name-en",
            "X",
            "--name-zh",
            "X",
            "--parent",
            "NOPE",
            "--db",
            db,
        ],
    )
    assert bad_parent.exit_code == 2


def test_add_a_grouping_variant_and_compare(bundled_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    db.write_bytes(bundled_db.read_bytes())
    added = runner.invoke(
        app,
        [
            "groupings",
            "add",
            "ict_only",
            "--member",
            "SI",
            "--name-en",
            "ICT only",
            "--name-zh",
            "仅信息通信",
            "--definition",
            "analyst variant",
            "--db",
            str(db),
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["groupings", "--db", str(db)])
    assert "ict_only" in listed.stdout and "analyst variant" in listed.stdout


def test_summary_in_chinese(bundled_db: Path) -> None:
    result = runner.invoke(app, ["--lang", "zh", "summary", "--db", str(bundled_db)])
    assert result.exit_code == 0
    assert "服务贸易：中国（亿元；商务部服务贸易统计）" in result.stdout
    assert "75,238 " in result.stdout


def test_track_notes_in_chinese(bundled_db: Path) -> None:
    """A plan's notes (the outcome of a past target year, a converted figure and why there is
    no forecast) read in the language asked for, numbers and codes kept."""
    plan = "mofcom-services-trade-revitalization-2015"
    env = {"COLUMNS": "200"}
    chinese = runner.invoke(app, ["--lang", "zh", "track", plan, "--db", str(bundled_db)], env=env)
    english = runner.invoke(app, ["--lang", "en", "track", plan, "--db", str(bundled_db)], env=env)
    assert chinese.exit_code == 0 and english.exit_code == 0, chinese.output + english.output
    assert "目标年份 2020 年已有数据：6614.57（未达到）" in chinese.stdout
    assert "2020 年：由 CNY 按 6.9003 元/美元换算" in chinese.stdout
    assert "预测：目标年份已有实际数据" in chinese.stdout
    assert "target year 2020 observed: 6614.57 (missed)" in english.stdout
    assert "2020: converted from CNY at 6.9003 CNY/USD" in english.stdout


def test_quickstart_runs_as_an_installed_command(tmp_path: Path) -> None:
    """The README's main job, as a user runs it: a fresh store from bundled data."""
    servtrade = Path(sys.executable).with_name("servtrade")
    env = {**os.environ, "COLUMNS": "120"}
    result = subprocess.run(
        [str(servtrade), "quickstart", "--db", str(tmp_path / "q.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Trade in services: China (100 million yuan; MOFCOM services-trade" in result.stdout
    assert " 75,238 " in result.stdout  # 2024 total as published by MOFCOM (to the 亿元)
    assert "14.4" in result.stdout  # 2024 growth as published


def test_a_store_held_by_a_server_is_named_in_one_line(bundled_db: Path, tmp_path: Path) -> None:
    """While `servtrade serve` held the file, every command, `users add` included, ended in a
    37-line DuckDB lock traceback: now one line names the process and what to do."""
    db = tmp_path / "held.duckdb"
    db.write_bytes(bundled_db.read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for command in (["summary"], ["users", "add", "ana", "--role", "viewer"]):
            result = subprocess.run(
                [
                    str(Path(sys.executable).with_name("servtrade")),
                    "--lang",
                    "en",
                    *command,
                    "--db",
                    str(db),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 2, result.stderr
            assert "Traceback" not in result.stderr
            message = " ".join(result.stderr.split())
            assert f"is in use by process {holder.pid}" in message, message
            assert "PostgreSQL" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_label_means_the_same_in_every_command(bundled_db: Path) -> None:
    """`indicators --flow 出口` meant exports while `compare --flow 出口` gave null: one
    resolver now answers for every command, and an unknown label is one line, exit 2."""
    db = ["--db", str(bundled_db)]
    indicators = runner.invoke(
        app,
        [
            *("indicators", "--region", "中国", "--flow", "出口", "--from", "2023"),
            *("--to", "2023", "--format", "json", *db),
        ],
    )
    assert indicators.exit_code == 0, indicators.output
    (value,) = [v for v in json.loads(indicators.output) if v["period"] == "2023"]
    compared = runner.invoke(
        app,
        [
            *("compare", "--indicator", "value", "--regions", "中国", "--period", "2023"),
            *("--flow", "出口", "--format", "json", *db),
        ],
    )
    assert compared.exit_code == 0, compared.output
    (ranked,) = json.loads(compared.output)
    # Exports 2023: 2.69 trillion yuan as published (MOFCOM through CCTV, 2024-02-02).
    assert ranked["value"] == value["value"] == 26900.0
    unknown = runner.invoke(
        app,
        [
            *("--lang", "en", "compare", "--indicator", "value", "--regions", "CN"),
            *("--period", "2023", "--flow", "sideways", *db),
        ],
    )
    assert unknown.exit_code == 2
    assert unknown.output.strip() == "unknown flow sideways"


def _observations(path: Path) -> int:
    with Store(path, read_only=True) as store:
        return store.count_observations()


def test_quickstart_never_replaces_a_store_with_data_of_its_own(tmp_path: Path) -> None:
    """`quickstart --db EXISTING` replaced a store of 433 observations, its users and load
    history with the 405 bundled ones, silently: now it refuses, and with --force moves the
    store aside first."""
    db = tmp_path / "office.duckdb"
    assert runner.invoke(app, ["quickstart", "--db", str(db)]).exit_code == 0
    bundled = _observations(db)
    # A store holding only the bundled figures is quickstart's own: run again, it is renewed.
    assert runner.invoke(app, ["quickstart", "--db", str(db)]).exit_code == 0
    assert _observations(db) == bundled
    own = write_csv(tmp_path / "own.csv", "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20")
    assert runner.invoke(app, ["ingest", str(own), "--db", str(db)]).exit_code == 0
    refused = runner.invoke(app, ["quickstart", "--db", str(db)], env={"COLUMNS": "200"})
    assert refused.exit_code == 2
    assert "already holds data of its own" in refused.output and "--force" in refused.output
    assert _observations(db) == bundled + 1
    assert list(tmp_path.glob("office.duckdb.*.bak")) == []
    forced = runner.invoke(app, ["quickstart", "--db", str(db), "--force"])
    assert forced.exit_code == 0, forced.output
    (backup,) = tmp_path.glob("office.duckdb.*.bak")
    assert backup.name in forced.output.replace("\n", "")
    assert _observations(backup) == bundled + 1
    assert _observations(db) == bundled


def test_a_file_that_is_no_store_is_not_replaced_without_force(tmp_path: Path) -> None:
    db = tmp_path / "notes.duckdb"
    db.write_text("minutes of the meeting", encoding="utf-8")
    assert runner.invoke(app, ["quickstart", "--db", str(db)]).exit_code == 2
    assert db.read_text(encoding="utf-8") == "minutes of the meeting"


def test_quickstart_fills_the_store_every_command_opens(tmp_path: Path) -> None:
    """quickstart wrote ./servtrade-quickstart.duckdb while every other command opened the
    default store, so `summary` right after quickstart printed an empty table."""
    env = {"SERVTRADE_DB": str(tmp_path / "default.duckdb"), "COLUMNS": "200"}
    assert runner.invoke(app, ["quickstart"], env=env).exit_code == 0
    summary = runner.invoke(app, ["summary"], env=env)
    assert summary.exit_code == 0 and " 75,238 " in summary.stdout
    help_text = runner.invoke(app, ["--help"], env=env).stdout
    assert "Default store:" in help_text


def test_an_empty_answer_names_the_store_and_how_to_fill_it(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    result = runner.invoke(app, ["summary", "--db", str(db)], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert f"The store {db} holds no figures for CN" in result.stdout
    assert "servtrade quickstart" in result.stdout


def _help_texts(command: object) -> list[str]:
    texts = [
        getattr(item, "_english_help", None) or getattr(item, "help", None)
        for item in (command, *getattr(command, "params", ()))
    ]
    found = [text for text in texts if text]
    for sub in getattr(command, "commands", {}).values():
        found += _help_texts(sub)
    return found


def test_every_help_text_has_its_chinese() -> None:
    """Under --lang zh all --help text stayed English."""
    import typer

    from servtrade.i18n import source_messages

    catalog = source_messages()
    texts = _help_texts(typer.main.get_command(app))
    assert len(texts) > 100
    assert [text for text in texts if not catalog.get(text)] == []


def test_help_reads_in_the_chosen_language() -> None:
    env = {"COLUMNS": "200"}
    chinese = runner.invoke(app, ["--lang", "zh", "track", "--help"], env=env)
    assert chinese.exit_code == 0
    for said in ("各目标的进展", "按此日期时的数据", "显示此帮助并退出", "选项", "[默认：table]"):
        assert said in chinese.stdout
    assert "Data as of this date" not in chinese.stdout
    root = runner.invoke(app, ["--lang", "zh", "--help"], env=env)
    assert "服务贸易统计。默认数据库：" in root.stdout and "载入统计文件" in root.stdout
    english = runner.invoke(app, ["--lang", "en", "track", "--help"], env=env)
    assert "Data as of this date" in english.stdout and "Options" in english.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_track_reads_at_80_columns(tmp_path: Path, lang: str) -> None:
    """At 80 columns `track` wrapped the year to "202/7" and the unit to "CNY_10/0M"."""
    db = str(tmp_path / "gz.duckdb")
    example = Path(__file__).parents[1] / "docs" / "examples" / "guizhou-constructed.csv"
    assert runner.invoke(app, ["ingest", str(example), "--db", db]).exit_code == 0
    args = ["--lang", lang, "track", "guizhou-services-digital-trade-2025", "--db", db]
    shown = runner.invoke(app, args, env={"COLUMNS": "80"}).stdout
    rows = [line for line in shown.splitlines() if line.strip().startswith("total-2027 ")]
    assert rows and " 2027 " in rows[0]  # the year whole, on the target's line
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "CNY_100M" not in shown and (
        "亿元" in shown if lang == "zh" else "billion yuan" in shown
    )


def test_plans_check_reads_in_chinese(bundled_db: Path) -> None:
    """`plans check` findings stayed English under --lang zh."""
    args = ["--lang", "zh", "plans", "check", "guizhou-services-digital-trade-2025"]
    shown = runner.invoke(app, [*args, "--db", str(bundled_db)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    # 120 (2027) to 140 (2030): (140/120)^(1/3) − 1 = 5.3% a year, against ≥ 5%.
    assert (
        "2027年120至2030年140，意味着年均增长5.3%，与 growth-15th-fyp（≥ 5%）一致" in shown.stdout
    )
    assert "implies" not in shown.stdout and "need the grouping" not in shown.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["indicators", "--region", "CN", "--indicator", "yoy_growth", "--from", "2024"],
        ["indicators", "--region", "CN", "--indicator", "balance", "--from", "2024"],
        ["track", "china-digital-trade-opinions-2024"],
        ["drivers", "--region", "CN", "--period", "2024"],
        ["forecast", "--region", "CN"],
        ["forecast", "--region", "CN", "--indicator", "digitally_deliverable_share"],
        ["plans", "check", "guizhou-services-digital-trade-2025"],
        ["scenario", "guizhou-services-digital-trade-2025", "--growth", "TOTAL=5"],
    ],
)
def test_a_chinese_session_has_no_english_and_no_codes(bundled_db: Path, args: list[str]) -> None:
    """Tables and messages of a Chinese session showed codes: flows, categories,
    indicators, units and bases as codes (total, yoy_growth, percent, mofcom_sts, CNY_100M),
    a check's name (implied_growth), a scenario's categories and region by code."""
    from servtrade.plans.documents import bundled_plan_files
    from tests.reading import ENGLISH_PROSE, RAW_CODE

    result = runner.invoke(
        app, ["--lang", "zh", *args, "--db", str(bundled_db)], env={"COLUMNS": "200"}
    )
    said = result.stdout + result.stderr
    for plan in bundled_plan_files():  # a plan's id is what one types to name it
        said = said.replace(plan.stem, "")
    assert RAW_CODE.findall(said) == []
    assert ENGLISH_PROSE.findall(said) == []


@pytest.mark.parametrize(
    "plan_id", ["china-digital-trade-opinions-2024", "mofcom-services-trade-revitalization-2015"]
)
def test_track_says_each_note_once(bundled_db: Path, plan_id: str) -> None:
    """Forecast notes repeated up to four times under one target."""
    result = runner.invoke(app, ["track", plan_id, "--db", str(bundled_db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    blocks: list[list[str]] = []  # a target's lines: "ID: description", then its notes
    for line in result.stdout.splitlines():
        if line[:1].isalnum() and ": " in line:
            blocks.append([])
        elif line.startswith("  ") and blocks:
            blocks[-1].append(line.strip())
    assert blocks
    for notes in blocks:
        assert len(notes) == len(set(notes)), notes
