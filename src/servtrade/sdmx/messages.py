"""SDMX messages read with sdmx1 and flattened to one row per observation.

sdmx1 reads SDMX-ML 2.1 and 3.0, SDMX-JSON 1.0 data and SDMX-CSV 2.0. Real files come in
a few more layouts; each is turned into one sdmx1 reads by a small, documented hook that
moves or renames parts of the message and never touches a value:

- SDMX-ML 2.0 CompactData (also wrapped in a MessageGroup) becomes SDMX-ML 2.1
  structure-specific data: the same Series and Obs elements under 2.1's message elements.
  Like all structure-specific data it needs the data structure (``--structure``).
- SDMX-JSON 2.0 data become the SDMX-JSON 1.0 layout: ``meta`` → ``header`` (with the
  fields 1.0 requires filled in when a server left them out, and attribute names taken
  from their ids where missing), ``data.structures[0]`` →
  ``structure``, ``data.dataSets`` → ``dataSets``; time values given only as ``value``
  also get their ``id``.
- SDMX-CSV 1.0 (first column ``DATAFLOW``) becomes SDMX-CSV 2.0 (``STRUCTURE`` and
  ``STRUCTURE_ID``); SDMX-CSV needs the structure, and without one it is inferred from the
  header (every column that is not a measure or a known attribute is a dimension), except
  for servtrade's own dataflow, whose structure servtrade knows.
- SDMX-ML 2.1 structure messages have their ``urn`` attributes removed, because some
  disagree with their own ``version`` (as in the SDMX Global Registry's IMF:BOP export);
  sdmx1 rebuilds them from id, agency and version.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import sdmx
from lxml import etree
from sdmx.message import DataMessage, StructureMessage
from sdmx.model import common, v30

from servtrade.i18n import N_
from servtrade.sdmx.export import AGENCY, servtrade_dataflow
from servtrade.sdmx.formats import SdmxReadError, detect_format

MEASURE = "OBS_VALUE"
TIME = "TIME_PERIOD"
# Columns of SDMX-CSV that are attributes by the standard's common concepts, not dimensions.
COMMON_ATTRIBUTES = {
    "OBS_STATUS",
    "OBS_FLAG",
    "CONF_STATUS",
    "UNIT_MULT",
    "DECIMALS",
    "LAST UPDATE",
    "SOURCE",
    "VINTAGE",
    "NOTE",
}
_MESSAGE_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
_COMMON_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
_SS_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"


@dataclass
class FlatData:
    """Observations as rows: one column per dimension and attribute, `OBS_VALUE` as text,
    and `__series`, the series key (dimension values without time, joined by dots)."""

    frame: pd.DataFrame
    dataflow: str
    dimensions: list[str]
    prepared: date | None


def _without_urns(data: bytes) -> bytes:
    tree = etree.fromstring(data)
    for element in tree.iter():
        if isinstance(element.tag, str):
            element.attrib.pop("urn", None)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="utf-8"))


def read_structure(path: Path) -> StructureMessage:
    """A structure message (DSD, codelists) in SDMX-ML 2.1 or 3.0."""
    data = path.read_bytes()
    fmt = detect_format(data[:65536])
    if fmt not in ("sdmx-ml-2.1", "sdmx-ml-3.0"):
        raise SdmxReadError(
            N_("{file}: structures are read from SDMX-ML 2.1 or 3.0"), file=path.name
        )
    try:
        if fmt == "sdmx-ml-2.1":  # in 3.0, references are URNs: they stay
            data = _without_urns(data)
        message = sdmx.read_sdmx(io.BytesIO(data), format="XML")
    except Exception as error:  # sdmx1 and lxml raise several types for one cause
        raise SdmxReadError(N_("{file}: {error}"), file=path.name, error=str(error)) from error
    if not isinstance(message, StructureMessage):
        raise SdmxReadError(N_("{file} is a data message, not a structure message"), file=path.name)
    return message


def _compact_to_structure_specific(data: bytes, dsd: Any) -> bytes:
    """SDMX-ML 2.0 CompactData (or a MessageGroup holding it) as 2.1 structure-specific."""
    root = etree.fromstring(data)
    datasets = [e for e in root.iter() if isinstance(e.tag, str) and _local(e.tag) == "DataSet"]
    header = next(e for e in root if isinstance(e.tag, str) and _local(e.tag) == "Header")
    out = etree.Element(
        f"{{{_MESSAGE_21}}}StructureSpecificData",
        nsmap={"message": _MESSAGE_21, "common": _COMMON_21, "ss": _SS_21},
    )
    new_header = etree.SubElement(out, f"{{{_MESSAGE_21}}}Header")
    for name in ("ID", "Test", "Prepared", "Sender"):
        found = next((e for e in header if _local(e.tag) == name), None)
        if found is not None:
            element = etree.SubElement(new_header, f"{{{_MESSAGE_21}}}{name}", found.attrib)
            element.text = found.text
    structure = etree.SubElement(
        new_header,
        f"{{{_MESSAGE_21}}}Structure",
        structureID="STR",
        namespace=f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={_ref(dsd)}",
        dimensionAtObservation=TIME,
    )
    inner = etree.SubElement(structure, f"{{{_COMMON_21}}}Structure")
    etree.SubElement(
        inner, "Ref", agencyID=str(dsd.maintainer.id), id=str(dsd.id), version=str(dsd.version)
    )
    for dataset in datasets:
        new = etree.SubElement(out, f"{{{_MESSAGE_21}}}DataSet")
        new.set(f"{{{_SS_21}}}structureRef", "STR")
        for series in dataset:
            if not isinstance(series.tag, str) or _local(series.tag) != "Series":
                continue
            copy = etree.SubElement(new, "Series", dict(series.attrib))
            for obs in series:
                if isinstance(obs.tag, str) and _local(obs.tag) == "Obs":
                    etree.SubElement(copy, "Obs", dict(obs.attrib))
    return bytes(etree.tostring(out, xml_declaration=True, encoding="utf-8"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ref(dsd: Any) -> str:
    return f"{dsd.maintainer.id}:{dsd.id}({dsd.version})"


def _json_20_as_10(data: bytes) -> bytes:
    tree = json.loads(data)
    body = tree.get("data", {})
    structures = body.get("structures") or [{}]
    meta = dict(tree.get("meta") or {})
    meta.setdefault("id", "unknown")
    meta.setdefault("prepared", "1970-01-01T00:00:00Z")
    meta.setdefault("sender", {"id": "unknown"})
    structure = structures[0]
    for level in structure.get("dimensions", {}).values():
        for dimension in level:
            for value in dimension.get("values", []):
                value.setdefault("id", value.get("value"))
    for level in structure.setdefault("attributes", {}).values():
        for attribute in level:
            attribute.setdefault("name", attribute.get("id"))
    converted = {"header": meta, "structure": structure, "dataSets": body.get("dataSets", [])}
    return json.dumps(converted).encode("utf-8")


def _csv_10_as_20(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    header = ["STRUCTURE", "STRUCTURE_ID", *rows[0][1:]]
    body = [["dataflow", *row] for row in rows[1:] if row]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *body])
    return buffer.getvalue()


def _with_action(text: str) -> str:
    """SDMX-CSV 2.0 with its optional ACTION column, which sdmx1 expects ("I":
    information) when a file leaves it out."""
    rows = list(csv.reader(io.StringIO(text)))
    at = 3 if len(rows[0]) > 2 and rows[0][2] == "STRUCTURE_NAME" else 2
    if len(rows[0]) > at and rows[0][at] == "ACTION":
        return text
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*rows[0][:at], "ACTION", *rows[0][at:]])
    writer.writerows([*row[:at], "I", *row[at:]] for row in rows[1:] if row)
    return buffer.getvalue()


def _inferred_structure(text: str) -> v30.Dataflow:
    """A data structure for SDMX-CSV read without one: columns as they are named."""
    header = next(csv.reader(io.StringIO(text)))
    structure_id = next(csv.reader(io.StringIO(text.split("\n", 2)[1])))[1]
    match = re.match(r"^([^:]+):([^($]+)", structure_id)
    agency, flow_id = (match[1], match[2]) if match else ("UNKNOWN", "UNKNOWN")
    labelled = len(header) > 2 and header[2] == "STRUCTURE_NAME"
    columns = [c for c in (header[3:] if labelled else header[2:]) if c != "ACTION"]
    if labelled:  # labels=both: every component is followed by its label column
        columns = columns[::2]
    maintainer = common.Agency(id=agency)
    dsd = v30.DataStructureDefinition(id=f"DSD_{flow_id}", version="1.0", maintainer=maintainer)
    order = 0
    for column in columns:
        if column == MEASURE:
            dsd.measures.getdefault(MEASURE)
        elif column in ("ACTION", "SERIES_KEY", "OBS_KEY"):
            continue
        elif column in COMMON_ATTRIBUTES:
            dsd.attributes.getdefault(column)
        elif column == TIME:
            dsd.dimensions.getdefault(TIME, cls=v30.TimeDimension, order=len(columns))
        else:
            dsd.dimensions.getdefault(column, order=order)
            order += 1
    return v30.Dataflow(id=flow_id, version="1.0", maintainer=maintainer, structure=dsd)


def read_data(path: Path, structure: StructureMessage | None = None) -> FlatData:
    """The observations of an SDMX data message, whatever its format."""
    data = path.read_bytes()
    fmt = detect_format(data[:65536])
    if fmt is None:
        raise SdmxReadError(N_("{file} is not an SDMX message"), file=path.name)
    dsd = _first_dsd(structure)
    try:
        message = _read(data, fmt, dsd)
    except SdmxReadError:
        raise
    except Exception as error:  # sdmx1 and lxml raise many types; each is the file's fault
        raise SdmxReadError(
            N_("{file} is not a readable {format} message: {error}"),
            file=path.name,
            format=fmt,
            error=str(error),
        ) from error
    if not isinstance(message, DataMessage):
        raise SdmxReadError(N_("{file} is a structure message, not data"), file=path.name)
    return _flatten(message, fmt, data)


def _first_dsd(structure: StructureMessage | None) -> Any:
    if structure is None or not structure.structure:
        return None
    return next(iter(structure.structure.values()))


def _read(data: bytes, fmt: str, dsd: Any) -> Any:
    if fmt == "sdmx-ml-2.0":
        if dsd is None:
            raise SdmxReadError(
                N_(
                    "SDMX-ML 2.0 compact data name their components only in the data "
                    "structure; give it with --structure FILE"
                )
            )
        return sdmx.read_sdmx(
            io.BytesIO(_compact_to_structure_specific(data, dsd)), format="XML", structure=dsd
        )
    if fmt.startswith("sdmx-ml"):
        return sdmx.read_sdmx(io.BytesIO(data), format="XML", structure=dsd)
    if fmt == "sdmx-json-2.0":
        return sdmx.read_sdmx(io.BytesIO(_json_20_as_10(data)), format="JSON")
    if fmt == "sdmx-json-1.0":
        return sdmx.read_sdmx(io.BytesIO(data), format="JSON")
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    if fmt == "sdmx-csv-1.0":
        text = _csv_10_as_20(text)
    text = _with_action(text)
    flow = dsd
    if flow is None:
        own = servtrade_dataflow()
        first_row = text.split("\n", 2)[1]
        flow = own if f"{AGENCY}:{own.id}(" in first_row else _inferred_structure(text)
    return sdmx.read_sdmx(io.BytesIO(text.encode("utf-8")), format="CSV", structure=flow)


def _dataflow_id(message: DataMessage, data: bytes, fmt: str) -> str:
    for dataset in message.data:
        for artefact in (dataset.described_by, dataset.structured_by):
            if artefact is not None and artefact.maintainer is not None:
                return f"{artefact.maintainer.id}:{artefact.id}({artefact.version})"
    if fmt == "sdmx-json-2.0":
        for link in json.loads(data).get("data", {}).get("structures", [{}])[0].get("links", []):
            if found := re.search(r"Dataflow=([^:]+:[^(]+\([^)]*\))", link.get("urn", "")):
                return found[1]
    return "unknown"


def _flatten(message: DataMessage, fmt: str, data: bytes) -> FlatData:
    frames = []
    dimensions: list[str] = []
    for dataset in message.data:
        if not dataset.obs:
            continue
        rows = []
        for obs in dataset.obs:
            key = obs.key
            row = {kv.id: str(kv.value) for kv in key.values.values()}
            for name, attribute in obs.attrib.items():
                row[str(name)] = str(attribute.value)
            row[MEASURE] = "" if obs.value is None else str(obs.value)
            row["__series"] = ".".join(str(kv.value) for kv in key.values.values() if kv.id != TIME)
            rows.append(row)
            dimensions = dimensions or [kv.id for kv in key.values.values()]
        frames.append(pd.DataFrame(rows, dtype=str))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(dtype=str)
    prepared = message.header.prepared if message.header is not None else None
    prepared_day = prepared.date() if prepared is not None and prepared.year > 1970 else None
    return FlatData(frame.fillna(""), _dataflow_id(message, data, fmt), dimensions, prepared_day)


def codelist_codes(structure: StructureMessage | None) -> dict[str, set[str]]:
    """For each enumerated dimension of the structure's first DSD, its codes."""
    dsd = _first_dsd(structure)
    if dsd is None:
        return {}
    codes: dict[str, set[str]] = {}
    for dimension in dsd.dimensions:
        representation = dimension.local_representation or (
            dimension.concept_identity.core_representation
            if dimension.concept_identity is not None
            else None
        )
        enumerated = getattr(representation, "enumerated", None)
        if isinstance(enumerated, common.Codelist) and len(enumerated):
            codes[dimension.id] = {code.id for code in enumerated}
    return codes
