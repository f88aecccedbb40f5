"""What a load did: the typed report that the CLI prints and other interfaces render."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from servtrade.i18n import N_, Message, gettext


class ExitStatus(IntEnum):
    LOADED = 0
    REJECTED = 1
    USAGE = 2
    PARTIAL = 3
    REFUSED = 4  # the acting person may not make this write


@dataclass(frozen=True)
class RowIssue:
    """One problem with one cell, row or file; `line` is 1-based as an editor shows it.

    `message` is an English template from the message catalog and `params` fill it, so the
    reason reads in the user's language (`reason`) and the template stays a stable code.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(
        cls, file: str, line: int | None, column: str | None, message: str, /, **params: object
    ) -> RowIssue:
        return cls(file, line, column, message, tuple(params.items()))

    @property
    def reason(self) -> str:
        return str(Message(self.message, self.params))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.reason}"


class FileRejectedError(Exception):
    """The file as a whole cannot be read (encoding, size, layout)."""

    def __init__(self, issue: RowIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


# What became of a file, in words (the codes are for machines).
LOAD_STATUS_WORDS = {
    "loaded": N_("loaded"),
    "unchanged": N_("already loaded; nothing changed"),
    "partial": N_("partly loaded"),
    "rejected": N_("rejected; nothing loaded"),
    "no_services": N_("no trade-in-services series; nothing loaded"),
    "checked": N_("checked; nothing loaded yet"),
}


@dataclass
class IngestReport:
    file: str
    status: str = "rejected"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_already_stored: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    rejected_file: Path | None = None
    load_id: str | None = None
    # SDMX: observations that are not trade in services, by reason, and their series.
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_series: int = 0
    dataflow: str | None = None
    regions: list[str] = field(default_factory=list)  # of the rows that load (or would)

    def summary(self) -> str:
        """What became of the file, in words and counts, in the reader's language."""
        return gettext(
            N_(
                "{status}: rows read {read}, loaded {loaded}, already stored {stored}, "
                "rejected {rejected}"
            ),
            status=gettext(LOAD_STATUS_WORDS[self.status]),
            read=self.rows_read,
            loaded=self.rows_loaded,
            stored=self.rows_already_stored,
            rejected=self.rows_rejected,
        )

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def rows_rejected(self) -> int:
        return len({issue.line for issue in self.errors})

    @property
    def exit_status(self) -> ExitStatus:
        return {
            "loaded": ExitStatus.LOADED,
            "unchanged": ExitStatus.LOADED,
            "no_services": ExitStatus.LOADED,
            "checked": ExitStatus.LOADED,
            "partial": ExitStatus.PARTIAL,
        }.get(self.status, ExitStatus.REJECTED)
