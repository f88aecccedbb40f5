"""Reading an SDMX data message into canonical rows: the message through sdmx1, its
observations through the mapping chosen for its dataflow."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from servtrade.classification import Classifications
from servtrade.i18n import N_
from servtrade.sdmx.formats import SdmxReadError
from servtrade.sdmx.mapping import choose_mapping, load_mapping, map_observations
from servtrade.sdmx.messages import codelist_codes, read_data, read_structure


@dataclass
class SdmxRows:
    """Canonical rows (text) of the services observations, with what was set aside."""

    frame: pd.DataFrame
    observations: int
    dataflow: str
    mapping: str
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_series: int = 0
    code_issues: list[tuple[int, str, str]] = field(default_factory=list)


def _code_issues(frame: pd.DataFrame, codes: dict[str, set[str]]) -> list[tuple[int, str, str]]:
    """(observation number, dimension, code) for codes the structure's codelists lack."""
    issues = []
    for dimension, allowed in codes.items():
        if dimension not in frame.columns:
            continue
        unknown = ~frame[dimension].isin(allowed)
        for index in frame.index[unknown]:
            issues.append((int(index) + 1, dimension, str(frame.at[index, dimension])))
    return issues


def sdmx_rows(
    path: Path,
    classifications: Classifications,
    *,
    structure: Path | None = None,
    mapping: Path | None = None,
) -> SdmxRows:
    """Read an SDMX data file and map it onto servtrade's observations.

    Raises `SdmxReadError` for a file that cannot be read, has no mapping, or has a
    dimension the given structure does not define."""
    structure_message = read_structure(structure) if structure is not None else None
    flat = read_data(path, structure_message)
    codes = codelist_codes(structure_message)
    if structure_message is not None:
        dsd_dimensions = {
            dim.id for dsd in structure_message.structure.values() for dim in dsd.dimensions
        }
        unknown = [d for d in flat.dimensions if d not in dsd_dimensions]
        if unknown:
            raise SdmxReadError(
                N_("{file}: dimension(s) {dimensions} are not in the structure {structure}"),
                file=path.name,
                dimensions=", ".join(unknown),
                structure=str(next(iter(structure_message.structure))),
            )
    chosen = choose_mapping(flat.dataflow, load_mapping(mapping) if mapping else None)
    mapped = map_observations(flat, chosen, classifications, path.name)
    return SdmxRows(
        frame=mapped.frame,
        observations=len(flat.frame),
        dataflow=flat.dataflow,
        mapping=chosen.id,
        skipped=mapped.skipped,
        skipped_series=mapped.skipped_series,
        code_issues=_code_issues(flat.frame.loc[mapped.frame.index], codes)
        if not mapped.frame.empty
        else [],
    )
