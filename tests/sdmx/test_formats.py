"""SDMX formats told apart by their first bytes (`servtrade.sdmx.formats`)."""

from __future__ import annotations

import pytest

from servtrade.sdmx import detect_format
from tests.sdmx.files import (
    BOP_STRUCTURE,
    COMPACT,
    CSV_10,
    CSV_20,
    JSON_DATA,
    MESSAGE_GROUP,
    REFERENCE,
)


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
