"""Which SDMX format a file is in, told from its first bytes without reading it with
sdmx1 (so that deciding how to read a spreadsheet or CSV imports no SDMX library)."""

from __future__ import annotations

import re

from servtrade.i18n.faults import LocalisedError

ML_NAMESPACES = {
    "sdmx-ml-2.0": "sdmxml/schemas/v2_0",
    "sdmx-ml-2.1": "sdmxml/schemas/v2_1",
    "sdmx-ml-3.0": "sdmxml/schemas/v3_0",
}
FORMATS = (*ML_NAMESPACES, "sdmx-json-1.0", "sdmx-json-2.0", "sdmx-csv-1.0", "sdmx-csv-2.0")


class SdmxReadError(LocalisedError):
    """A file that is not an SDMX message servtrade can read, with the reason."""


def detect_format(head: bytes) -> str | None:
    """The SDMX format of a file from its first bytes, or None if it is not SDMX."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lowered = head.lower()
    if text.startswith(b"<"):
        for name, namespace in ML_NAMESPACES.items():
            if namespace.lower().encode() in lowered:
                return name
        return None
    if text.startswith(b"{"):
        if b'"datasets"' not in lowered and b'"structures"' not in lowered:
            return None
        return "sdmx-json-1.0" if b'"header"' in lowered else "sdmx-json-2.0"
    first = text.split(b"\n", 1)[0].split(b",", 1)[0].strip().strip(b'"')
    if re.fullmatch(rb"STRUCTURE(\[.\])?", first):
        return "sdmx-csv-2.0"
    if first == b"DATAFLOW":
        return "sdmx-csv-1.0"
    return None
