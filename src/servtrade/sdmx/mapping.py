"""From a dataflow's dimensions to servtrade's canonical observation, by mapping files.

A mapping is a YAML file (see `mappings/` and the README): which dataflows it applies to,
which SDMX component gives each canonical field, code translations, and conditions a
series must meet to be trade in services. Series that are not trade in services (goods,
the current account, reserve assets, a balance rather than a flow) are skipped and counted
by reason, never reported as errors; everything else goes on to the ordinary validation,
which reports unknown regions, units and bad values row by row.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from servtrade.classification import Classifications
from servtrade.i18n import N_
from servtrade.periods import from_sdmx_time
from servtrade.sdmx.export import STATUS_QUALIFIERS
from servtrade.sdmx.formats import SdmxReadError
from servtrade.sdmx.messages import MEASURE, FlatData
from servtrade.spreadsheet import from_csv_safe

# Why a series is skipped; messages translated where shown.
NOT_SERVICES = N_("not trade in services")
FINER_ITEM = N_("services item finer than servtrade's categories")
NOT_A_FLOW = N_("a balance, net or stock, not exports or imports")
OTHER_MEASURE = N_("outside the measure servtrade stores (see the mapping's require)")
# Unit multipliers (powers of ten) as the suffix of servtrade's unit codes.
MULTIPLIER_UNITS = {"0": "", "4": "_10K", "6": "_MN", "8": "_100M", "9": "_BN", "12": "_TN"}


class SdmxMapping(BaseModel):
    """How one family of dataflows maps onto servtrade's observations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    dataflows: list[str] = Field(min_length=1, description="AGENCY:ID patterns (fnmatch)")
    region: str
    category: str
    flow: str
    period: str = "TIME_PERIOD"
    partner: str | None = None
    mode: str | None = None
    unit: str | None = None
    unit_multiplier: str | None = None
    status: str | None = None
    basis: str | None = None
    qualifier: str | None = None
    decimals: str | None = None
    growth: str | None = None
    source: str | None = None
    vintage: str | None = None
    note: str | None = None
    fixed: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    require: dict[str, list[str]] = Field(default_factory=dict)
    tested: str = ""

    def matches(self, dataflow: str) -> bool:
        agency_id = dataflow.split("(", 1)[0]
        return any(fnmatch(agency_id, pattern) for pattern in self.dataflows)


@dataclass
class Mapped:
    frame: pd.DataFrame
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_series: int = 0


def load_mapping(path: Path) -> SdmxMapping:
    try:
        return SdmxMapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError, OSError) as error:
        raise SdmxReadError(
            N_("{file}: not a valid mapping file: {error}"), file=str(path), error=str(error)
        ) from error


@cache
def bundled_mappings() -> tuple[SdmxMapping, ...]:
    folder = resources.files("servtrade.sdmx").joinpath("mappings")
    return tuple(
        SdmxMapping.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    )


@cache
def services_items() -> dict[str, str]:
    """Code → servtrade category ('' where servtrade is coarser), from the IMF codelists."""
    text = (
        resources.files("servtrade.sdmx")
        .joinpath("data", "services_items.csv")
        .read_text(encoding="utf-8")
    )
    items: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        items[row["code"]] = items.get(row["code"]) or row["category"]
    return items


def choose_mapping(dataflow: str, extra: SdmxMapping | None) -> SdmxMapping:
    candidates = ([extra] if extra else []) + list(bundled_mappings())
    for mapping in candidates:
        if mapping.matches(dataflow):
            return mapping
    known = ", ".join(p for m in bundled_mappings() for p in m.dataflows)
    raise SdmxReadError(
        N_(
            "no mapping for dataflow {dataflow}; known: {known}. Describe its dimensions "
            "in a mapping file and pass --mapping FILE"
        ),
        dataflow=dataflow,
        known=known,
    )


def _column(data: pd.DataFrame, component: str | None, mapping: SdmxMapping) -> pd.Series:
    if component is None:
        return pd.Series("", index=data.index, dtype=str)
    if component not in data.columns:
        raise SdmxReadError(
            N_("mapping {mapping} needs component {component}, which the file does not have"),
            mapping=mapping.id,
            component=component,
        )
    return data[component].astype(str)


def _category(codes: pd.Series, classifications: Classifications) -> tuple[pd.Series, pd.Series]:
    """Servtrade categories, and the reason a code is skipped ('' where it is kept)."""
    items = services_items()

    def resolve(code: str) -> tuple[str, str]:
        if code in items:
            return (items[code], "") if items[code] else ("", FINER_ITEM)
        known = classifications.categories.resolve(code)
        return (known, "") if known else ("", NOT_SERVICES)

    resolved = {code: resolve(code) for code in codes.unique()}
    return codes.map(lambda c: resolved[c][0]), codes.map(lambda c: resolved[c][1])


def _field(
    rows: pd.DataFrame, mapping: SdmxMapping, name: str, component: str | None, default: str = ""
) -> pd.Series:
    """A canonical field: the mapping's constant, else its component's codes translated."""
    if name in mapping.fixed:
        return pd.Series(mapping.fixed[name], index=rows.index, dtype=str)
    if component is None:
        return pd.Series(default, index=rows.index, dtype=str)
    translate = mapping.values.get(name, {})
    return _column(rows, component, mapping).map(lambda code: translate.get(code, code))


def _unit(rows: pd.DataFrame, mapping: SdmxMapping) -> pd.Series:
    unit = _field(rows, mapping, "unit", mapping.unit)
    if "unit" in mapping.fixed or mapping.unit_multiplier is None:
        return unit
    multiplier = _column(rows, mapping.unit_multiplier, mapping)
    return unit + multiplier.map(lambda m: MULTIPLIER_UNITS.get(m, f"_E{m}"))


def map_observations(
    flat: FlatData, mapping: SdmxMapping, classifications: Classifications, file_name: str
) -> Mapped:
    """Canonical rows (as text, for validation) for the services observations in `flat`."""
    data = flat.frame
    if data.empty:
        return Mapped(pd.DataFrame())
    category, reason = _category(_column(data, mapping.category, mapping), classifications)
    for component, allowed in mapping.require.items():
        pending = reason.eq("")
        if pending.any():
            outside = ~_column(data[pending], component, mapping).isin(allowed)
            reason[outside[outside].index] = OTHER_MEASURE
    flows = pd.Series("", index=data.index, dtype=str)
    pending = reason.eq("")
    if pending.any():
        translate = mapping.values.get("flow", {})
        flows[pending] = _column(data[pending], mapping.flow, mapping).map(
            lambda code: translate.get(code, code)
        )
        reason[pending & flows.eq("skip")] = NOT_A_FLOW
    kept = reason.eq("")
    mapped = Mapped(pd.DataFrame())
    mapped.skipped = Counter(reason[~kept])
    mapped.skipped_series = data.loc[~kept, "__series"].nunique()
    rows = data[kept]
    if rows.empty:
        return mapped

    def field_of(name: str, component: str | None, default: str = "") -> pd.Series:
        return _field(rows, mapping, name, component, default)

    def attribute_of(name: str, component: str | None) -> pd.Series:
        """An attribute that files written before it existed do not carry."""
        return field_of(name, component if component in rows.columns else None)

    status = field_of("status", mapping.status)
    # OBS_STATUS codes that are a qualifier (SDMX CL_OBS_STATUS); others stay in the note.
    from_status = status.map(lambda s: STATUS_QUALIFIERS.get(s, ""))
    qualifier = attribute_of("qualifier", mapping.qualifier)
    qualifier = qualifier.where(qualifier.ne(""), from_status)
    kept_status = status.where(from_status.eq(""), "")
    note = field_of("note", mapping.note).map(from_csv_safe)
    note = note.where(
        kept_status.eq(""), note.str.cat(kept_status.map(lambda s: f"OBS_STATUS={s}"), sep=" ")
    )
    provenance = f"{flat.dataflow}, {file_name}, series "
    source = field_of("source", mapping.source).map(from_csv_safe)
    source = source.where(source.eq(""), source + "; ") + provenance + rows["__series"]
    vintage = field_of(
        "vintage", mapping.vintage, flat.prepared.isoformat() if flat.prepared else ""
    )
    canonical = pd.DataFrame(
        {
            "region": field_of("region", mapping.region),
            "period": field_of("period", mapping.period).map(from_sdmx_time),
            "flow": flows[kept],
            "category": category[kept],
            "partner": field_of("partner", mapping.partner, "W1"),
            "mode": field_of("mode", mapping.mode, "ALL"),
            "value": rows[MEASURE],
            "yoy_growth": field_of("yoy_growth", mapping.growth),
            "unit": _unit(rows, mapping),
            "basis": attribute_of("basis", mapping.basis),
            "qualifier": qualifier,
            "decimals": attribute_of("decimals", mapping.decimals),
            "source": source,
            "vintage": vintage,
            "note": note.str.strip(),
        }
    )
    mapped.frame = canonical
    return mapped
