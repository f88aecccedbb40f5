"""SDMX structures and data messages read with sdmx1, counts and values checked against the
real files (`servtrade.sdmx.messages`)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from servtrade.classification import default_classifications
from servtrade.sdmx.messages import read_data, read_structure
from tests.conftest import ROOT, load_script
from tests.sdmx.files import (
    BOP_STRUCTURE,
    COMPACT,
    CSV_10,
    CSV_20,
    JSON_DATA,
    MESSAGE_GROUP,
    REFERENCE,
)


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
