"""How a file is to be read and loaded: options that interfaces fill in before any file is
opened, kept apart from the readers so that setting them imports nothing heavy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servtrade.access import User

DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class ReadOptions:
    """How to read a file: its layout, constants for missing columns, limits."""

    wide: bool = False
    constants: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    format: str | None = None  # "table" or "sdmx"; None tells from the file's content
    structure: Path | None = None  # SDMX structure message (DSD, codelists)
    mapping: Path | None = None  # SDMX mapping file for a dataflow servtrade does not know


@dataclass
class IngestOptions:
    allow_partial: bool = False
    vintage: date | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    rejected_dir: Path | None = None
    dry_run: bool = False  # validate and report what would load; write nothing
    # Who loads the file (default: the OS user, see `acting_user`): every region of the rows
    # that would load must be in their scope before anything is written, and the audit
    # entry, written in the load's transaction, names them and the act.
    user: User | None = None
    audit_action: str = "load"
