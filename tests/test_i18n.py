from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from servtrade.i18n import (
    _,
    format_number,
    gettext,
    inside_quotes,
    set_language,
    source_messages,
    using_language,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "servtrade"


def test_the_compiled_catalog_reads_as_its_source(tmp_path: Path) -> None:
    """The catalog compiled at set-up (read at start-up, being faster than the .po) gives
    every message as the source does."""
    import gettext as stdlib_gettext

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = SRC / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    compiled = tmp_path / "messages.mo"
    with compiled.open("wb") as handle:
        write_mo(handle, catalog)
    with compiled.open("rb") as handle:
        translations = stdlib_gettext.GNUTranslations(handle)
    messages = source_messages()
    assert len(messages) > 500
    assert {m: translations.gettext(m) for m in messages} == messages


def test_every_message_has_a_chinese_translation() -> None:
    catalog = source_messages()
    ids = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(SRC), keywords={"_": None, "gettext": None, "N_": None}
        )
        if isinstance(message, str)
    }
    assert ids, "no messages found"
    assert sorted(ids - set(catalog)) == []


def test_language_switch_and_number_format() -> None:
    set_language("zh")
    assert gettext("Exports") == "出口"
    assert format_number(75238, 1) == "75,238.0"
    set_language("en")
    assert gettext("Exports") == "Exports"


def test_ingest_errors_read_in_chinese(tmp_path: Path) -> None:
    from servtrade.ingest import ingest_file
    from servtrade.store import Store
    from tests.conftest import write_csv

    path = write_csv(tmp_path / "bad.csv", "Atlantis,2024,total,S,abc,亿元,,t,2025-01-20")
    with Store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, path)
    set_language("zh")
    try:
        reasons = {issue.reason for issue in report.errors}
        assert reasons == {"未知地区 'Atlantis'", "数值 'abc' 不是数字"}
    finally:
        set_language("en")
    assert {issue.reason for issue in report.errors} == {
        "unknown region 'Atlantis'",
        "value 'abc' is not a number",
    }


def test_a_quoted_description_keeps_one_pair_of_outer_quotes() -> None:
    """Chinese prose read 目标““十五五”期间…”: quotes inside a quotation become ‘’."""
    with using_language("zh"):
        said = _(
            "Target {target}: {verdict}.", target=inside_quotes("“十五五”期间增长5%"), verdict="…"
        )
    assert said.startswith("目标“‘十五五’期间增长5%”")
    with using_language("en"):
        assert inside_quotes("“14th”") == "“14th”"


def test_one_term_per_status_unit_and_indicator_in_each_language() -> None:
    """The glossary: every status, task status, load status, indicator and unit has one
    name in English and one in Chinese, and no two codes share a name."""
    from servtrade.classification import default_classifications
    from servtrade.indicators.registry import INDICATOR_WORDS, INDICATORS
    from servtrade.ingest.report import LOAD_STATUS_WORDS
    from servtrade.plans.schema import TASK_STATUS_WORDS, TASK_STATUSES
    from servtrade.plans.verdict import STATUS_WORDS

    catalog = source_messages()
    statuses = (
        *("target_achieved", "substantial_progress", "moderate_progress"),
        *("limited_progress", "deterioration", "not_available"),
    )
    glossaries = [
        (STATUS_WORDS, statuses),
        (TASK_STATUS_WORDS, TASK_STATUSES),
        (INDICATOR_WORDS, INDICATORS),
        (LOAD_STATUS_WORDS, ("loaded", "unchanged", "partial", "rejected", "no_services")),
    ]
    for words, codes in glossaries:
        assert set(codes) <= set(words)
        english = [words[code] for code in codes]
        chinese = [catalog.get(term) for term in english]
        assert all(chinese) and len(set(english)) == len(english) == len(set(chinese))
        assert all("_" not in term for term in english)  # words, not codes
    units = default_classifications().units
    assert all(unit.name_en and unit.name_zh for unit in units)
    assert len({unit.name_zh for unit in units}) == len(units)


def test_a_chinese_session_shows_no_codes_and_no_english_statuses(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from servtrade.cli import app
    from servtrade.plans.verdict import STATUS_WORDS

    runner = CliRunner()
    db = str(tmp_path / "gz.duckdb")
    example = Path(__file__).parents[1] / "docs" / "examples" / "guizhou-constructed.csv"
    assert runner.invoke(app, ["ingest", str(example), "--db", db]).exit_code == 0
    shown = runner.invoke(
        app, ["--lang", "zh", "track", "guizhou-services-digital-trade-2025", "--db", db]
    ).stdout
    for code in (*STATUS_WORDS, "CNY_100M", "percent", ">="):
        assert code not in shown
    for english in STATUS_WORDS.values():
        assert english not in shown
    assert "进展显著" in shown and "亿元" in shown


def test_the_methods_text_names_each_status_as_the_tables_do() -> None:
    """One report called one status 进展一般, 进展中等 and 进度滞后: the method's text now
    uses the glossary's term for each status."""
    from servtrade.plans.verdict import STATUS_WORDS

    method = next(key for key in source_messages() if key.startswith("Open SDG progress method"))
    with using_language("zh"):
        said = gettext(method)
        terms = [gettext(STATUS_WORDS[s]) for s in ("substantial_progress", "moderate_progress")]
        terms += [gettext(STATUS_WORDS[s]) for s in ("limited_progress", "deterioration")]
    assert all(f"“{term}”" in said for term in terms)
    assert "进展中等" not in said


def test_core_refusals_read_in_chinese(tmp_path: Path, bundled_db: Path) -> None:
    """An indicator, a decomposition, a user and an SDMX file refused by the core gave
    English f-strings in a Chinese session (and named CLI flags the API's users do not
    have)."""
    import pytest

    from servtrade.access import add_user
    from servtrade.i18n.faults import LocalisedError
    from servtrade.indicators import IndicatorRequest, compute_indicators
    from servtrade.indicators.drivers import growth_drivers
    from servtrade.ingest import ingest_file
    from servtrade.periods import parse_period
    from servtrade.store import Store

    not_sdmx = tmp_path / "data.xml"
    not_sdmx.write_text("<html><body>not a message</body></html>", encoding="utf-8")
    share = IndicatorRequest(region="CN", indicators=["share"])
    with Store(bundled_db, read_only=True) as bundled, Store(tmp_path / "s.duckdb") as store:
        refusals = []
        for attempt in (
            lambda: compute_indicators(bundled, share),
            lambda: growth_drivers(bundled, "CN", parse_period("2024"), by="weather"),
            lambda: add_user(store, "someone", "king", []),
            lambda: add_user(store, "someone", "editor", []),
        ):
            with pytest.raises(LocalisedError) as caught:
                attempt()
            refusals.append(caught.value)
        rejected = ingest_file(store, not_sdmx)
    with using_language("zh"):
        said = [str(refusal) for refusal in refusals] + [rejected.errors[0].reason]
    assert said[:4] == [
        "占服务贸易总额比重需要选择 S（全部服务）以外的类别",
        "分解方式须为 category、grouping、flow或partner",
        "角色须为 viewer、editor或admin",
        "编辑者至少需要一个地区",
    ]
    assert "--" not in " ".join(said[:4])
    assert not re.search(r"\b(is|not|the|needs)\b", said[4]), said[4]
