"""Load statistics files into the store: validate everything, write all or nothing.

By default a file with any bad row writes nothing; every bad row is reported and written
to ``FILE.rejected.csv`` with its reason. With ``allow_partial`` the good rows are loaded
and the bad ones quarantined in the store as well. Loading the same file twice, or the
same figure again, adds nothing.

The package itself imports only what describes a load; the readers and validation (pandas,
Arrow, SDMX) are imported when a file is loaded, so a command that loads nothing starts at
once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from servtrade.ingest.options import IngestOptions, ReadOptions
from servtrade.ingest.report import ExitStatus, IngestReport, RowIssue

if TYPE_CHECKING:
    from servtrade.store import Store

__all__ = [
    "ExitStatus",
    "IngestOptions",
    "IngestReport",
    "ReadOptions",
    "RowIssue",
    "file_sha256",
    "ingest_file",
]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(store: Store, path: Path, options: IngestOptions | None = None) -> IngestReport:
    from servtrade.ingest.load import load_file

    return load_file(store, path, options)
