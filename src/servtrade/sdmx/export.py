"""servtrade's observations as SDMX-CSV 2.0, written by sdmx1.

The dataflow is ``SERVTRADE:DF_SERVICES_TRADE(1.0)``: dimensions REF_AREA (servtrade
region code), COUNTERPART_AREA, FLOW (export, import, total, balance), CATEGORY (EBOPS 2010
code or grouping), MODE (GATS mode or ALL), BASIS (statistical basis: mofcom_sts, bop,
unknown...), UNIT_MEASURE (servtrade unit code, e.g. CNY_100M) and TIME_PERIOD (a year,
``2024-Q1``, ``2024-03``, or a cumulative range as ``2025-01-01/P10M``); measure OBS_VALUE
(empty where only a growth rate was published, else the exact published decimal);
attributes YOY_GROWTH (published growth, %), SOURCE, VINTAGE, NOTE, QUALIFIER (exact,
lower_bound, upper_bound, approximate, estimate, provisional), OBS_STATUS (A, E or P
where the qualifier has an SDMX code), DECIMALS (published precision) and UNIT_MULT (the
unit's power of ten). Reading such a file back (`servtrade ingest`) gives the same
observations.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sdmx
from sdmx.model import common, v30

from servtrade.classification import default_classifications
from servtrade.periods import parse_period, to_sdmx_time
from servtrade.spreadsheet import csv_safe

AGENCY = "SERVTRADE"
DATAFLOW = "DF_SERVICES_TRADE"
VERSION = "1.0"
DIMENSIONS = {
    "REF_AREA": "region",
    "COUNTERPART_AREA": "partner",
    "FLOW": "flow",
    "CATEGORY": "category",
    "MODE": "mode",
    "BASIS": "basis",
    "UNIT_MEASURE": "unit",
}
ATTRIBUTES = {
    "YOY_GROWTH": "yoy_growth",
    "SOURCE": "source",
    "VINTAGE": "vintage",
    "NOTE": "note",
    "QUALIFIER": "qualifier",
    "DECIMALS": "decimals",
}
DERIVED_ATTRIBUTES = ("OBS_STATUS", "UNIT_MULT")
# SDMX observation status codes that say what servtrade's qualifier says; a bound has no
# code of its own there, so servtrade's dataflow carries QUALIFIER as well.
STATUS_QUALIFIERS = {"A": "exact", "E": "estimate", "P": "provisional"}
QUALIFIER_STATUS = {q: s for s, q in STATUS_QUALIFIERS.items()}


def servtrade_dataflow() -> v30.Dataflow:
    maintainer = common.Agency(id=AGENCY)
    dsd = v30.DataStructureDefinition(
        id="DSD_SERVICES_TRADE", version=VERSION, maintainer=maintainer
    )
    for order, dimension in enumerate(DIMENSIONS):
        dsd.dimensions.getdefault(dimension, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v30.TimeDimension, order=len(DIMENSIONS))
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in (*ATTRIBUTES, *DERIVED_ATTRIBUTES):
        dsd.attributes.getdefault(attribute)
    return v30.Dataflow(id=DATAFLOW, version=VERSION, maintainer=maintainer, structure=dsd)


def write_sdmx_csv(observations: pd.DataFrame, path: Path) -> int:
    """Write stored observations (as `Store.observations` returns them); the count written."""
    flow = servtrade_dataflow()
    dsd = flow.structure
    dataset = v30.DataSet(described_by=flow, structured_by=dsd)
    attributes = {name: dsd.attributes.get(name) for name in (*ATTRIBUTES, *DERIVED_ATTRIBUTES)}
    records = []
    for row in observations.to_dict("records"):
        values = {dimension: str(row[column]) for dimension, column in DIMENSIONS.items()}
        values["TIME_PERIOD"] = to_sdmx_time(parse_period(str(row["period"])))
        texts = {name: _text(row[column]) for name, column in ATTRIBUTES.items()}
        for free_text in ("SOURCE", "NOTE"):  # never a formula when the file is opened
            texts[free_text] = str(csv_safe(texts[free_text]))
        texts["OBS_STATUS"] = QUALIFIER_STATUS.get(str(row["qualifier"]), "")
        texts["UNIT_MULT"] = unit_multiplier(str(row["unit"]))
        attached = {
            name: common.AttributeValue(value=text, value_for=attributes[name])
            for name, text in texts.items()
            if text
        }
        value = _text(row["value_text"])
        records.append(
            v30.Observation(
                dimension=dsd.make_key(v30.Key, values),
                value=_decimal_text(value) if value else None,
                attached_attribute=attached,
            )
        )
    dataset.add_obs(records)
    if not records:
        path.write_text(
            "STRUCTURE,STRUCTURE_ID,ACTION,"
            + ",".join([*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES, *DERIVED_ATTRIBUTES])
            + "\n",
            encoding="utf-8",
        )
        return 0
    sdmx.to_csv(dataset, path=path, attributes="o")
    return len(records)


def unit_multiplier(unit: str) -> str:
    """SDMX's UNIT_MULT (a power of ten) for a servtrade unit code."""
    classifications = default_classifications()
    if unit not in classifications.units:
        return ""
    return str(round(math.log10(classifications.unit(unit).scale)))


def _decimal_text(text: str) -> str:
    """The stored decimal without trailing zeros (21024.7, not 21024.700000000000)."""
    return format(Decimal(text).normalize(), "f")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)
