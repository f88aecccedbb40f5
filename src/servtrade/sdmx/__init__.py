"""SDMX: read balance-of-payments and trade-in-services data published by the IMF, OECD,
Eurostat and ECB, and write servtrade's figures as SDMX-CSV.

Reading (`reading`) goes file → sdmx1 message (`messages`) → one row per observation →
canonical observations by a mapping file (`mapping`) → the ordinary ingest validation. Each
stored observation's source names the dataflow, the file and the series key it came from.
The package itself only tells an SDMX file from its first bytes (`formats`), so that
reading a spreadsheet imports no SDMX library.
"""

from __future__ import annotations

from servtrade.sdmx.formats import FORMATS, SdmxReadError, detect_format

__all__ = ["FORMATS", "SdmxReadError", "detect_format"]
