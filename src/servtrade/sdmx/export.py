"""servtrade's observations as SDMX-CSV 2.0, written by sdmx1.

The dataflow is ``SERVTRADE:DF_SERVICES_TRADE(1.0)``: dimensions REF_AREA (servtrade
region code), COUNTERPART_AREA, FLOW (export, import, total, balance), CATEGORY (EBOPS 2010
code or grouping), MODE (GATS mode or ALL), UNIT_MEASURE (servtrade unit code, e.g.
CNY_100M) and TIME_PERIOD (a year, ``2024-Q1``, ``2024-03``, or a cumulative range as
``2025-01-01/P10M``); measure OBS_VALUE (empty where only a growth rate was published);
attributes YOY_GROWTH (published growth, %), SOURCE, VINTAGE, NOTE, OBS_STATUS.
Reading such a file back (`servtrade ingest`) gives the same observations.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sdmx
from sdmx.model import common, v30

from servtrade.periods import parse_period, to_sdmx_time

AGENCY = "SERVTRADE"
DATAFLOW = "DF_SERVICES_TRADE"
VERSION = "1.0"
DIMENSIONS = {
    "REF_AREA": "region",
    "COUNTERPART_AREA": "partner",
    "FLOW": "flow",
    "CATEGORY": "category",
    "MODE": "mode",
    "UNIT_MEASURE": "unit",
}
ATTRIBUTES = {
    "YOY_GROWTH": "yoy_growth",
    "SOURCE": "source",
    "VINTAGE": "vintage",
    "NOTE": "note",
}


def servtrade_dataflow() -> v30.Dataflow:
    maintainer = common.Agency(id=AGENCY)
    dsd = v30.DataStructureDefinition(
        id="DSD_SERVICES_TRADE", version=VERSION, maintainer=maintainer
    )
    for order, dimension in enumerate(DIMENSIONS):
        dsd.dimensions.getdefault(dimension, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v30.TimeDimension, order=len(DIMENSIONS))
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in (*ATTRIBUTES, "OBS_STATUS"):
        dsd.attributes.getdefault(attribute)
    return v30.Dataflow(id=DATAFLOW, version=VERSION, maintainer=maintainer, structure=dsd)


def write_sdmx_csv(observations: pd.DataFrame, path: Path) -> int:
    """Write stored observations (as `Store.observations` returns them); the count written."""
    flow = servtrade_dataflow()
    dsd = flow.structure
    dataset = v30.DataSet(described_by=flow, structured_by=dsd)
    attributes = {name: dsd.attributes.get(name) for name in ATTRIBUTES}
    records = []
    for row in observations.to_dict("records"):
        values = {dimension: str(row[column]) for dimension, column in DIMENSIONS.items()}
        values["TIME_PERIOD"] = to_sdmx_time(parse_period(str(row["period"])))
        attached = {
            name: common.AttributeValue(value=_text(row[column]), value_for=attributes[name])
            for name, column in ATTRIBUTES.items()
            if _text(row[column])
        }
        value = _text(row["value"])
        records.append(
            v30.Observation(
                dimension=dsd.make_key(v30.Key, values),
                value=float(value) if value else None,
                attached_attribute=attached,
            )
        )
    dataset.add_obs(records)
    if not records:
        path.write_text(
            "STRUCTURE,STRUCTURE_ID,ACTION,"
            + ",".join([*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES, "OBS_STATUS"])
            + "\n",
            encoding="utf-8",
        )
        return 0
    sdmx.to_csv(dataset, path=path, attributes="o")
    return len(records)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)
