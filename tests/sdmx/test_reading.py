"""SDMX data ingested: services series kept with their provenance, the rest skipped and
counted, a faulty file rejected with nothing stored (`servtrade.sdmx.reading`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from servtrade.classification import default_classifications
from servtrade.ingest import IngestOptions, ingest_file
from servtrade.sdmx.reading import sdmx_rows
from servtrade.store import ObservationQuery, Store
from tests.conftest import snapshot
from tests.sdmx.files import (
    BOP_STRUCTURE,
    COMPACT,
    CSV_10,
    CSV_20,
    JSON_DATA,
    MESSAGE_GROUP,
    NOT_SERVICES,
    exported,
    with_structure,
)


@pytest.mark.parametrize(
    ("path", "observations", "series", "options"),
    [
        (COMPACT, 313, 313, with_structure()),
        (MESSAGE_GROUP, 313, 313, with_structure()),
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
    report = ingest_file(store, path, with_structure())
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
    report = ingest_file(store, _services_copy(tmp_path, area="XX"), with_structure())
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
    report = ingest_file(store, JSON_DATA, with_structure())
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
    report = ingest_file(store, path, with_structure())
    assert report.status == "rejected"
    assert "not a readable SDMX message" in str(report.errors[0])
    assert snapshot(store) == before


def test_non_numeric_value_rejects_the_file(bundled: Store, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "zj.csv"
    assert exported(bundled, path, ["CN-ZJ"]) == 5
    text = path.read_text(encoding="utf-8")
    assert text.count(",2232.0,") == 1
    path.write_text(text.replace(",2232.0,", ",n/a,"), encoding="utf-8")
    before = snapshot(store)
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert any(e.column == "value" and "n/a" in str(e) for e in report.errors)
    assert snapshot(store) == before


def test_rows_read_through_the_python_api(tmp_path: Path) -> None:
    rows = sdmx_rows(_services_copy(tmp_path), default_classifications(), structure=BOP_STRUCTURE)
    assert (rows.observations, len(rows.frame), rows.mapping) == (313, 2, "imf-bop")
