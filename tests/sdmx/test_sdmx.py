"""SDMX: the real messages in data/reference/sdmx/ (IMF, Eurostat, Banco de España), read
with sdmx1; counts and values checked against the files read independently (json, csv,
ElementTree); services items mapped from the IMF codelists; export and re-import."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from servtrade.classification import default_classifications
from servtrade.cli import app
from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.periods import Period, from_sdmx_time, parse_period, to_sdmx_time
from servtrade.sdmx import detect_format
from servtrade.sdmx.export import write_sdmx_csv
from servtrade.sdmx.messages import read_data, read_structure
from servtrade.sdmx.reading import sdmx_rows
from servtrade.store import ObservationQuery, Store
from tests.conftest import ROOT, load_script, snapshot

REFERENCE = ROOT / "data" / "reference" / "sdmx"
BOP_STRUCTURE = REFERENCE / "IMF_BOP_1.0_structure_with_codelists_sdmxml21.xml"
COMPACT = REFERENCE / "IMF_BOP_1.0_BdE_sample_compact_sdmxml20.xml"
MESSAGE_GROUP = REFERENCE / "IMF_BOP_1.0_BdE_sample_messagegroup_sdmxml20.xml"
JSON_DATA = REFERENCE / "IMF.WHD_WHDREO_GX1213.BCA_GDP_BP6.A_data_sdmxjson20.json"
CSV_10 = REFERENCE / "ESTAT_EI_BPM6CA_Q_sdmxcsv10_labels.csv"
CSV_20 = REFERENCE / "ESTAT_EI_BPM6CA_Q_sdmxcsv20_labels_both.csv"
NOT_SERVICES = "not trade in services"


def _with_structure() -> IngestOptions:
    return IngestOptions(read=ReadOptions(structure=BOP_STRUCTURE))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (COMPACT.name, "sdmx-ml-2.0"),
        (MESSAGE_GROUP.name, "sdmx-ml-2.0"),
        (BOP_STRUCTURE.name, "sdmx-ml-2.1"),
        ("IMF.STA_DSD_BOP_24.0.0_structure_sdmxml30.xml", "sdmx-ml-3.0"),
        ("IMF_CL_ACCOUNTS_ITEM_1.8.0_codelist_sdmxml30.xml", "sdmx-ml-3.0"),
        (JSON_DATA.name, "sdmx-json-2.0"),
        (CSV_10.name, "sdmx-csv-1.0"),
        (CSV_20.name, "sdmx-csv-2.0"),
    ],
)
def test_formats_are_detected_from_content(name: str, expected: str) -> None:
    assert detect_format((REFERENCE / name).read_bytes()[:65536]) == expected


def test_structures_read_with_sdmx1() -> None:
    bop = read_structure(BOP_STRUCTURE)
    assert len(bop.codelist) == 22
    assert len(bop.codelist["CL_ACCOUNTS_ITEM"]) == 360
    dsd = bop.structure["BOP"]
    assert len([d for d in dsd.dimensions if d.id != "TIME_PERIOD"]) == 16
    sta = read_structure(REFERENCE / "IMF.STA_DSD_BOP_24.0.0_structure_sdmxml30.xml")
    dimensions = [d.id for d in sta.structure["DSD_BOP"].dimensions]
    assert dimensions[:5] == ["COUNTRY", "BOP_ACCOUNTING_ENTRY", "INDICATOR", "UNIT", "FREQUENCY"]
    items = read_structure(REFERENCE / "IMF_CL_ACCOUNTS_ITEM_1.8.0_codelist_sdmxml30.xml")
    assert len(items.codelist["CL_ACCOUNTS_ITEM"]) == 375


def _ebops_codes() -> list[str]:
    return [c.code for c in default_classifications().categories if not c.members]


def test_every_ebops_code_servtrade_knows_maps_from_the_imf_codelists() -> None:
    with (ROOT / "src/servtrade/sdmx/data/services_items.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    by_codelist: dict[str, dict[str, str]] = {}
    for row in rows:
        by_codelist.setdefault(row["codelist"], {})[row["code"]] = row["category"]
    for codelist in ("IMF:CL_ACCOUNTS_ITEM(1.1)", "IMF:CL_ACCOUNTS_ITEM(1.8.0)"):
        assert all(by_codelist[codelist].get(code) == code for code in _ebops_codes()), codelist
    # IMF.STA's indicator list has no construction or personal-services sub-items.
    indicator = by_codelist["IMF.STA:CL_BOP_INDICATOR(10.0.0)"]
    missing = {code for code in _ebops_codes() if code not in indicator}
    assert missing == {"SH1", "SH2", "SH3", "SH4", "SL1", "SL2", "SL3"}
    assert len(by_codelist["IMF:CL_ACCOUNTS_ITEM(1.1)"]) == 152  # names beginning "Services"


def test_services_items_file_is_what_the_codelists_give() -> None:
    script = load_script("build_sdmx_items")
    assert script.OUTPUT.read_text(encoding="utf-8") == script.build()


def test_json_data_counts_and_values_match_the_file() -> None:
    flat = read_data(JSON_DATA)
    tree = json.loads(JSON_DATA.read_text(encoding="utf-8"))
    series = tree["data"]["dataSets"][0]["series"]["0:0:0"]["observations"]
    times = tree["data"]["structures"][0]["dimensions"]["observation"][0]["values"]
    assert len(flat.frame) == len(series) == 55
    year_2000 = next(i for i, t in enumerate(times) if t["value"] == "2000")
    row = flat.frame[flat.frame["TIME_PERIOD"] == "2000"].iloc[0]
    assert row["OBS_VALUE"] == series[str(year_2000)][0] == "-5.65"
    assert flat.dataflow == "IMF.WHD:WHDREO(5.0.0)"


@pytest.mark.parametrize("path", [COMPACT, MESSAGE_GROUP])
def test_compact_data_counts_and_values_match_the_file(path: Path) -> None:
    flat = read_data(path, read_structure(BOP_STRUCTURE))
    observations = [e for e in ET.parse(path).iter() if e.tag.endswith("}Obs")]
    assert len(flat.frame) == len(observations) == 313
    not_five = [o.get("OBS_VALUE") for o in observations if float(o.get("OBS_VALUE", "")) != 5.0]
    assert len(not_five) == 12
    values = flat.frame["OBS_VALUE"].astype(float)
    assert sorted(values[values != 5.0]) == sorted(map(float, not_five))  # type: ignore[arg-type]
    assert flat.frame["__series"].nunique() == 313
    assert flat.dataflow == "IMF:BOP(1.0)"


@pytest.mark.parametrize(("path", "item"), [(CSV_10, "Current account"), (CSV_20, "CA")])
def test_csv_data_counts_and_values_match_the_file(path: Path, item: str) -> None:
    flat = read_data(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(flat.frame) == len(rows) == 19
    first = rows[0]
    assert first["TIME_PERIOD"] == "2023-Q1"
    match = flat.frame[(flat.frame["TIME_PERIOD"] == "2023-Q1") & (flat.frame["bop_item"] == item)]
    assert match["OBS_VALUE"].tolist() == [first["OBS_VALUE"]] == ["23962.1"]


@pytest.mark.parametrize(
    ("path", "observations", "series", "options"),
    [
        (COMPACT, 313, 313, _with_structure()),
        (MESSAGE_GROUP, 313, 313, _with_structure()),
        (JSON_DATA, 55, 1, IngestOptions()),
        (CSV_10, 19, 2, IngestOptions()),
        (CSV_20, 19, 2, IngestOptions()),
    ],
)
def test_non_services_messages_are_skipped_and_counted(
    store: Store, path: Path, observations: int, series: int, options: IngestOptions
) -> None:
    before = snapshot(store)
    report = ingest_file(store, path, options)
    assert report.status == "no_services"
    assert report.exit_status == 0
    assert report.rows_read == observations
    assert report.skipped == {NOT_SERVICES: observations}
    assert report.skipped_series == series
    assert report.errors == []
    assert snapshot(store) == before


def _services_copy(tmp_path: Path, *, area: str = "ES") -> Path:
    """The Banco de España sample with its first three series made services transactions:
    a constructed test file (values stay the sample's placeholders)."""
    text = COMPACT.read_text(encoding="utf-8")
    position = 0
    for item, entry in (("SC", "C"), ("SI2", "D"), ("SJ211", "C")):
        start = text.index("<bop:Series ", position)
        end = text.index(">", start)
        tag = text[start:end]
        for attribute, value in (
            ("FLOW_STOCK_ENTRY", "T"),
            ("ACCOUNTING_ENTRY", entry),
            ("INT_ACC_ITEM", item),
            ("UNIT_MEASURE", "USD"),
            ("UNIT_MULT", "6"),
            ("REF_AREA", area),
        ):
            tag = re.sub(rf' {attribute}="[^"]*"', f' {attribute}="{value}"', tag)
        text = text[:start] + tag + text[end:]
        position = start + len(tag)
    path = tmp_path / "bop_services_constructed.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_services_series_are_read_with_provenance(store: Store, tmp_path: Path) -> None:
    path = _services_copy(tmp_path)
    report = ingest_file(store, path, _with_structure())
    assert report.status == "loaded", [str(e) for e in report.errors]
    assert report.rows_loaded == 2
    assert report.skipped == {
        NOT_SERVICES: 310,
        "services item finer than servtrade's categories": 1,
    }
    stored = store.observations(ObservationQuery()).sort_values("flow")
    assert stored[["region", "period", "flow", "category", "value", "unit"]].values.tolist() == [
        ["ES", "2014-04", "export", "SC", 5.0, "USD_MN"],
        ["ES", "2014-04", "import", "SI2", 5.0, "USD_MN"],
    ]
    export = stored.iloc[0]
    assert export["source"] == (
        "IMF:BOP(1.0), bop_services_constructed.xml, series "
        "M.N.ES.W1.S121.S1.T.C.SC.R.F._Z.USD.X1._X.N"
    )
    # OBS_STATUS A (normal) is the qualifier exact; the BOP dataflow's basis is the BOP.
    assert (export["qualifier"], export["note"], export["basis"]) == ("exact", "", "bop")
    assert str(export["vintage"])[:10] == "2014-06-05"  # the message's Prepared date
    assert export["file"] == str(path)


def test_code_missing_from_the_structure_rejects_the_file(store: Store, tmp_path: Path) -> None:
    before = snapshot(store)
    report = ingest_file(store, _services_copy(tmp_path, area="XX"), _with_structure())
    assert report.status == "rejected"
    # Both the structure's codelist and servtrade's regions reject XX, for each observation.
    assert {(e.line, e.column) for e in report.errors} == {
        (1, "REF_AREA"),
        (2, "REF_AREA"),
        (1, "region"),
        (2, "region"),
    }
    assert "'XX' is not in the structure's codelist for REF_AREA" in str(report.errors[0])
    assert snapshot(store) == before


def test_dimension_missing_from_the_structure_is_an_error(store: Store) -> None:
    before = snapshot(store)
    report = ingest_file(store, JSON_DATA, _with_structure())
    assert report.status == "rejected"
    assert "COUNTRY, INDICATOR, FREQUENCY are not in the structure BOP" in str(report.errors[0])
    assert snapshot(store) == before


def test_compact_data_without_structure_says_what_is_needed(store: Store) -> None:
    report = ingest_file(store, COMPACT)
    assert report.status == "rejected"
    assert "--structure" in str(report.errors[0])


def test_truncated_xml_changes_nothing(store: Store, tmp_path: Path) -> None:
    data = COMPACT.read_bytes()
    path = tmp_path / "truncated.xml"
    path.write_bytes(data[: len(data) // 2])
    before = snapshot(store)
    report = ingest_file(store, path, _with_structure())
    assert report.status == "rejected"
    assert "not a readable SDMX message" in str(report.errors[0])
    assert snapshot(store) == before


def _exported(bundled: Store, path: Path, regions: list[str]) -> int:
    return write_sdmx_csv(bundled.observations(ObservationQuery(regions=regions)), path)


def test_non_numeric_value_rejects_the_file(bundled: Store, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "zj.csv"
    assert _exported(bundled, path, ["CN-ZJ"]) == 5
    text = path.read_text(encoding="utf-8")
    assert text.count(",2232.0,") == 1
    path.write_text(text.replace(",2232.0,", ",n/a,"), encoding="utf-8")
    before = snapshot(store)
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert any(e.column == "value" and "n/a" in str(e) for e in report.errors)
    assert snapshot(store) == before


KEY = ["region", "period", "flow", "category", "partner", "mode", "basis", "unit"]
CONTENT = [*KEY, "value", "value_text", "yoy_growth", "qualifier", "decimals", "vintage", "note"]


def test_export_and_reimport_give_the_same_observations(
    bundled: Store, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "all.csv"
    original = bundled.observations(ObservationQuery())
    assert _exported(bundled, path, []) == len(original) == 412
    assert path.read_text(encoding="utf-8").startswith(
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,COUNTERPART_AREA,FLOW,CATEGORY,MODE,"
    )
    report = ingest_file(store, path)
    assert report.status == "loaded", [str(e) for e in report.errors]
    again = store.observations(ObservationQuery())
    left = original[CONTENT].sort_values(KEY).reset_index(drop=True)
    right = again[CONTENT].sort_values(KEY).reset_index(drop=True)
    assert left.equals(right)
    sources = dict(zip(again[KEY].apply(tuple, axis=1), again["source"], strict=True))
    for row in original.itertuples(index=False):
        carried = sources[tuple(getattr(row, k) for k in KEY)]
        assert carried.startswith(f"{row.source}; SERVTRADE:DF_SERVICES_TRADE(1.0), all.csv")


def test_cumulative_periods_cross_as_sdmx_time_ranges(bundled: Store, tmp_path: Path) -> None:
    path = tmp_path / "cn.csv"
    _exported(bundled, path, ["CN"])
    text = path.read_text(encoding="utf-8")
    assert ",2025-01-01/P10M," in text
    assert "2025-01/2025-10" not in text


@given(st.integers(2000, 2030), st.integers(1, 12), st.integers(0, 11))
def test_sdmx_time_round_trips(year: int, first: int, extra: int) -> None:
    period = Period(year, first, min(12, first + extra))
    assert parse_period(from_sdmx_time(to_sdmx_time(period))) == period


USER_MAPPING = """
id: ministry-flow
title: A ministry's own services dataflow
dataflows: ["MOF:SVC_TRADE"]
region: AREA
category: ITEM
flow: SIDE
partner: PARTNER
unit: CURRENCY
unit_multiplier: SCALE
values:
  flow: {X: export, M: import, NET: skip}
"""
USER_DATA = """\
STRUCTURE,STRUCTURE_ID,ACTION,AREA,PARTNER,ITEM,SIDE,CURRENCY,TIME_PERIOD,OBS_VALUE,SCALE
dataflow,MOF:SVC_TRADE(1.0),I,CN,W1,SC,X,CNY,2024,1234.5,8
dataflow,MOF:SVC_TRADE(1.0),I,CN,W1,SC,NET,CNY,2024,-99.0,8
dataflow,MOF:SVC_TRADE(1.0),I,CN,W1,G,X,CNY,2024,77.0,8
"""


def test_a_mapping_file_adds_a_dataflow_without_code(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "ministry.yaml"
    mapping.write_text(USER_MAPPING, encoding="utf-8")
    data = tmp_path / "ministry.csv"
    data.write_text(USER_DATA, encoding="utf-8")
    unknown = ingest_file(store, data)
    assert unknown.status == "rejected"
    assert "no mapping for dataflow MOF:SVC_TRADE(1.0)" in str(unknown.errors[0])
    report = ingest_file(store, data, IngestOptions(read=ReadOptions(mapping=mapping)))
    assert report.status == "loaded", [str(e) for e in report.errors]
    assert report.skipped == {
        "a balance, net or stock, not exports or imports": 1,
        NOT_SERVICES: 1,
    }
    stored = store.observations(ObservationQuery())
    assert stored[["region", "flow", "category", "value", "unit"]].values.tolist() == [
        ["CN", "export", "SC", 1234.5, "CNY_100M"]
    ]


def test_rows_read_through_the_python_api(tmp_path: Path) -> None:
    rows = sdmx_rows(_services_copy(tmp_path), default_classifications(), structure=BOP_STRUCTURE)
    assert (rows.observations, len(rows.frame), rows.mapping) == (313, 2, "imf-bop")


def test_cli_export_and_ingest(bundled: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    db = bundled.location
    bundled.close()
    out = tmp_path / "zj.csv"
    result = runner.invoke(
        app,
        [
            *("export", "--format", "sdmx-csv", "--region", "浙江", "--from", "2020"),
            *("--db", db, "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 5 observations" in result.output
    fresh = str(tmp_path / "fresh.duckdb")
    loaded = runner.invoke(app, ["ingest", "--format", "sdmx", str(out), "--db", fresh])
    assert loaded.exit_code == 0, loaded.output
    assert "dataflow SERVTRADE:DF_SERVICES_TRADE(1.0)" in loaded.output
    skipped = runner.invoke(
        app, ["--lang", "zh", "ingest", str(JSON_DATA), "--db", fresh], catch_exceptions=False
    )
    assert skipped.exit_code == 0, skipped.output
    assert "55" in skipped.output
    listing = runner.invoke(app, ["sdmx", "mappings"])
    assert "imf-bop" in listing.output
