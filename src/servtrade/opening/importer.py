"""Read a negative list in its official layout: a two-column table (序号, 特别管理措施) with
door heading rows (一、农、林、牧、渔业 …) between numbered measures, from DOCX (python-docx),
HTML (lxml) or text copied from the PDF.

A measure's door is the heading above it, never a guess: a measure with no recognised
heading above it is an error, as are a heading that is not a GB/T 4754-2017 door and a
number used twice. A jump in the numbering, a heading with no measures and a count that
differs from the edition's are warnings. Text without a number continues the measure above
(a measure may span paragraphs); text before the table (its header row or first door
heading) is the preamble (说明).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError

from servtrade.access import User, authorise_admin
from servtrade.classification import normalize_label
from servtrade.ingest.readers import check_archive, decode
from servtrade.ingest.report import FileRejectedError
from servtrade.opening import Edition, Measure, doors, editions
from servtrade.store import Store

HEADING = re.compile(r"^\s*([一二三四五六七八九十]+)\s*[、.．]\s*(\S.*?)\s*$")
NUMBERED = re.compile(r"^\s*(\d{1,3})\s*(?:[、.．]\s*|\s+)(\S.*)$")
HEADER_WORDS = {"序号", "特别管理措施", "序号特别管理措施"}


@dataclass(frozen=True)
class ImportIssue:
    line: int
    level: str  # error or warning
    message: str

    def __str__(self) -> str:
        return f"{self.level} line {self.line}: {self.message}"


@dataclass
class ImportResult:
    measures: list[Measure] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.level == "error"]


def read_rows(path: Path) -> list[list[str]]:
    """The document as rows of cell texts, in reading order."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx_rows(path)
    text = decode(path.read_bytes(), str(path))
    if suffix in (".html", ".htm"):
        return _html_rows(text)
    return [[line] for line in text.splitlines()]


def _docx_rows(path: Path) -> list[list[str]]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_archive(path)
    document = Document(str(path))
    rows: list[list[str]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            rows.append([block.text])
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat; keep each text once
                    if not cells or cell.text != cells[-1]:
                        cells.append(cell.text)
                rows.append(cells)
    return rows


def _html_rows(data: str) -> list[list[str]]:
    from lxml import html

    tree = html.fromstring(data)
    rows: list[list[str]] = []
    for element in tree.iter("tr", "p", "h1", "h2", "h3", "h4"):
        if element.tag == "tr":
            rows.append([cell.text_content() for cell in element.iter("td", "th")])
        elif element.getparent() is not None and "td" not in {
            a.tag for a in element.iterancestors()
        }:
            rows.append([element.text_content()])
    return rows


def _door_for(name: str) -> str | None:
    wanted = normalize_label(name).replace(" ", "")
    for door in doors().values():
        if normalize_label(door.name_zh).replace(" ", "") == wanted:
            return door.code
    return None


class _Layout:
    """Walks the rows once, keeping the door of the heading above."""

    def __init__(self) -> None:
        self.result = ImportResult()
        self.door: str | None = None
        self.in_table = False  # the 说明 before the table numbers its notes 一、二、… too
        self.heading_line = 0
        self.heading_count = -1  # -1: no heading yet
        self.current: dict[str, object] | None = None
        self.drafts: list[dict[str, object]] = []

    def issue(self, line: int, level: str, message: str) -> None:
        self.result.issues.append(ImportIssue(line, level, message))

    def close_heading(self) -> None:
        if self.heading_count == 0:
            self.issue(self.heading_line, "warning", "a door heading with no measures under it")

    def heading(self, line: int, name: str) -> None:
        self.close_heading()
        self.in_table = True
        self.heading_line, self.heading_count = line, 0
        self.door = _door_for(name)
        self.current = None
        if self.door is None:
            self.issue(line, "error", f"heading {name!r} is not a GB/T 4754-2017 door")

    def measure(self, line: int, number: int, text: str) -> None:
        self.heading_count = max(self.heading_count, 0) + 1
        self.current = {"number": number, "text": text, "door": self.door, "line": line}
        self.drafts.append(self.current)

    def text(self, line: int, joined: str) -> None:
        if not self.in_table:
            self.result.preamble.append(joined)
        elif self.current is not None:
            self.current["text"] = f"{self.current['text']}{joined}"
        else:
            self.issue(line, "error", "text under a heading but outside any numbered measure")

    def row(self, line: int, texts: list[str]) -> None:
        if "".join(texts) in HEADER_WORDS or set(texts) <= HEADER_WORDS:
            self.in_table = True
            return
        if len(texts) > 1 and texts[0].isdigit():
            self.measure(line, int(texts[0]), " ".join(texts[1:]))
            return
        joined = " ".join(texts)
        if heading := HEADING.match(joined):
            if self.in_table or _door_for(heading[2]) is not None:
                self.heading(line, heading[2])
            else:
                self.result.preamble.append(joined)
        elif numbered := NUMBERED.match(joined):
            self.measure(line, int(numbered[1]), numbered[2])
        else:
            self.text(line, joined)


def parse_rows(rows: list[list[str]], edition: Edition, source: str) -> ImportResult:
    layout = _Layout()
    for line, cells in enumerate(rows, start=1):
        texts = [" ".join(c.split()) for c in cells if c and c.strip()]
        if texts:
            layout.row(line, texts)
    layout.close_heading()
    result = layout.result
    _check_numbers(layout.drafts, edition, result)
    for draft in layout.drafts:
        if draft["door"] is None:
            result.issues.append(
                ImportIssue(
                    int(str(draft["line"])),
                    "error",
                    f"measure {draft['number']} has no door heading above it; not placed",
                )
            )
            continue
        result.measures.append(
            Measure(
                edition=edition.id,
                number=int(str(draft["number"])),
                door=str(draft["door"]),
                text_zh=str(draft["text"]),
                text_en="",
                modes=(),
                restriction="",
                nature="",  # the official table has no such column; left for a reader to tag
                source=source,
                basis="imported official text",
            )
        )
    return result


def _check_numbers(drafts: list[dict[str, object]], edition: Edition, result: ImportResult) -> None:
    previous = 0
    seen: set[int] = set()
    for draft in drafts:
        number = int(str(draft["number"]))
        line = int(str(draft["line"]))
        if number in seen:
            result.issues.append(ImportIssue(line, "error", f"number {number} is used twice"))
        elif number != previous + 1:
            result.issues.append(
                ImportIssue(line, "warning", f"numbers jump from {previous} to {number}")
            )
        seen.add(number)
        previous = max(previous, number)
    if drafts and len(seen) != edition.measures:
        result.issues.append(
            ImportIssue(
                0,
                "warning",
                f"{len(seen)} measures read; the edition has {edition.measures}",
            )
        )


def import_edition(
    store: Store, path: Path, edition_id: str, user: User, *, allow_partial: bool = False
) -> ImportResult:
    """Read an edition's official text and store its measures, replacing those known
    before, as an admin's change; with errors nothing is stored unless `allow_partial`
    (placed measures only)."""
    authorise_admin(user)  # the register applies to every region
    if edition_id not in editions():
        raise KeyError(f"unknown edition {edition_id!r}; known: {', '.join(editions())}")
    try:
        rows = read_rows(path)
    except (
        OSError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
        PackageNotFoundError,
        FileRejectedError,
    ) as error:
        reason = error.issue.reason if isinstance(error, FileRejectedError) else str(error)
        return ImportResult(issues=[ImportIssue(0, "error", f"cannot read {path.name}: {reason}")])
    result = parse_rows(rows, editions()[edition_id], f"{path.name} ({edition_id})")
    if result.measures and (allow_partial or not result.errors):
        store.replace_opening_edition(
            edition_id,
            [
                (
                    m.edition,
                    m.number,
                    m.door,
                    m.text_zh,
                    m.text_en,
                    "|".join(m.modes),
                    m.restriction,
                    m.nature,
                    m.source,
                )
                for m in result.measures
            ],
            user.name,
            path.name,
        )
    return result
