"""Mapping files: a dataflow servtrade does not know, described without code
(`servtrade.sdmx.mapping`)."""

from __future__ import annotations

from pathlib import Path

from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.store import ObservationQuery, Store
from tests.sdmx.files import (
    NOT_SERVICES,
)

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
