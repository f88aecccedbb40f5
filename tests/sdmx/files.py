"""The real SDMX files the SDMX tests read (data/reference/sdmx, with their sources)."""

from __future__ import annotations

from pathlib import Path

from servtrade.ingest import IngestOptions, ReadOptions
from servtrade.sdmx.export import write_sdmx_csv
from servtrade.store import ObservationQuery, Store
from tests.conftest import ROOT

REFERENCE = ROOT / "data" / "reference" / "sdmx"
BOP_STRUCTURE = REFERENCE / "IMF_BOP_1.0_structure_with_codelists_sdmxml21.xml"
COMPACT = REFERENCE / "IMF_BOP_1.0_BdE_sample_compact_sdmxml20.xml"
MESSAGE_GROUP = REFERENCE / "IMF_BOP_1.0_BdE_sample_messagegroup_sdmxml20.xml"
JSON_DATA = REFERENCE / "IMF.WHD_WHDREO_GX1213.BCA_GDP_BP6.A_data_sdmxjson20.json"
CSV_10 = REFERENCE / "ESTAT_EI_BPM6CA_Q_sdmxcsv10_labels.csv"
CSV_20 = REFERENCE / "ESTAT_EI_BPM6CA_Q_sdmxcsv20_labels_both.csv"
NOT_SERVICES = "not trade in services"


def with_structure() -> IngestOptions:
    return IngestOptions(read=ReadOptions(structure=BOP_STRUCTURE))


def exported(bundled: Store, path: Path, regions: list[str]) -> int:
    """The regions' stored observations written as SDMX-CSV (all of them for no region)."""
    return write_sdmx_csv(bundled.observations(ObservationQuery(regions=regions)), path)
