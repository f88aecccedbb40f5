"""The report as an Excel workbook: one sheet per table, numbers as numbers with formats,
units in the headers, and a sources sheet.

Text that a spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage
return) is stored as a string with Excel's quote prefix, so a task titled
``=HYPERLINK(...)`` stays text when the file is opened.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from servtrade.classification import Classifications
from servtrade.i18n import N_, QUALIFIER_MARKS, _
from servtrade.indicators.summary import HeadlineRow
from servtrade.plans.schema import TASK_STATUS_WORDS
from servtrade.plans.verdict import status_words
from servtrade.report.content import ReportContent
from servtrade.report.html import headline_basis_name, labels
from servtrade.report.narrative import written_summary
from servtrade.spreadsheet import FORMULA_STARTS

AMOUNT_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0.0"
PROBABILITY_FORMAT = "0%"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
SHEETS = {
    "summary": N_("Summary"),
    "headline": N_("Headline"),
    "targets": N_("Targets"),
    "tasks": N_("Tasks"),
    "peers": N_("Peers"),
    "trend": N_("Trend"),
    "structure": N_("Structure"),
    "sources": N_("Sources"),
}

Column = tuple[str, str | None]  # header, number format


def write_cell(
    sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None
) -> None:
    """Put a value in a cell; text never becomes a formula."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value
    if number_format:
        cell.number_format = number_format


def _qualified(row: HeadlineRow, label: dict[str, str]) -> str:
    """Which of a headline row's figures are bounds or approximations (≥ total, ≈ exports):
    the cells hold numbers, so the mark goes beside them."""
    names = ("total", "exports", "imports", "growth", "kis", "dds")
    marks = []
    for name, value in zip(names, row.figures(), strict=True):
        if value is not None and value.qualifier in QUALIFIER_MARKS:
            before, after = QUALIFIER_MARKS[value.qualifier]
            marks.append(f"{before}{label[name]}{_(after) if after else ''}")
    return "; ".join(marks)


def _sheet(
    book: Workbook, key: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]
) -> Worksheet:
    sheet: Worksheet = book.create_sheet(_(SHEETS[key])[:31])
    for index, (header, _format) in enumerate(columns, start=1):
        write_cell(sheet, 1, index, header, None)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_index, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            write_cell(sheet, row_index, index, value, columns[index - 1][1])
    for index, (header, _format) in enumerate(columns, start=1):
        longest = max([len(header)] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    sheet.freeze_panes = "A2"
    return sheet


def _day(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def render_xlsx(content: ReportContent, classifications: Classifications) -> bytes:
    lang = content.lang
    label = labels()
    unit = classifications.units[content.unit].name(lang)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    _sheet(
        book,
        "summary",
        [(content.plan.title.text(lang), None)],
        [[s.text] for s in written_summary(content, classifications)],
    ).column_dimensions["A"].width = 120
    amount = f" ({unit})"
    _sheet(
        book,
        "headline",
        [
            (label["period"], None),
            (label["total"] + amount, AMOUNT_FORMAT),
            (label["exports"] + amount, AMOUNT_FORMAT),
            (label["imports"] + amount, AMOUNT_FORMAT),
            (label["growth"], PERCENT_FORMAT),
            (label["kis"], PERCENT_FORMAT),
            (label["dds"], PERCENT_FORMAT),
            (label["basis"], None),
            (label["qualified"], None),
        ],
        [
            [
                row.period,
                *(None if v is None else v.value for v in row.figures()),
                headline_basis_name([row], classifications, lang),
                _qualified(row, label),
            ]
            for row in content.headline
        ],
    )
    _sheet(
        book,
        "targets",
        [
            ("id", None),
            (label["target"], None),
            (label["year"], None),
            (label["goal"], None),
            (_("target value"), AMOUNT_FORMAT),
            (_("unit"), None),
            (label["latest"] + " " + label["period"], None),
            (label["latest"], AMOUNT_FORMAT),
            (label["gap"], AMOUNT_FORMAT),
            (label["required"] + " (% / pp)", PERCENT_FORMAT),
            (label["actual"] + " (% / pp)", PERCENT_FORMAT),
            (label["status"], None),
            (label["probability"], PROBABILITY_FORMAT),
            (_("median forecast"), AMOUNT_FORMAT),
            (_("80% low"), AMOUNT_FORMAT),
            (_("80% high"), AMOUNT_FORMAT),
            (_("verdict"), None),
        ],
        [
            [
                t.target.id,
                t.target.description.text(lang),
                t.target.target_year,
                t.target.comparator,
                t.target.value,
                classifications.units[t.target.unit].name(lang),
                t.latest.period if t.latest else None,
                t.latest.value if t.latest else None,
                t.gap,
                t.required_change_pp_per_year
                if t.required_change_pp_per_year is not None
                else t.required_annual_growth,
                t.actual_change_pp_per_year
                if t.actual_change_pp_per_year is not None
                else t.actual_annual_growth,
                status_words(t.status),
                t.probability,
                t.expected_value,
                t.expected_lo80,
                t.expected_hi80,
                "" if t.verdict is None else str(t.verdict),
            ]
            for t in content.progress.targets
        ],
    )
    _sheet(
        book,
        "tasks",
        [
            (_("aspect"), None),
            ("id", None),
            (label["task"], None),
            (label["lead"], None),
            (label["due"], None),
            (label["status"], None),
            (_("changed by"), None),
            (_("changed at"), None),
        ],
        [
            [
                aspect,
                s.task.id,
                s.task.title.text(lang),
                s.task.lead,
                _day(s.task.due),
                _(TASK_STATUS_WORDS[s.status]),
                s.changed_by,
                _day(s.changed_at),
            ]
            for aspect, states in content.tasks.items()
            for s in states
        ],
    )
    _sheet(
        book,
        "peers",
        [
            (label["rank"], None),
            (label["region"], None),
            (label["period"], None),
            (
                label["total"] + " (" + classifications.units["CNY_100M"].name(lang) + ")",
                AMOUNT_FORMAT,
            ),
        ],
        [
            [
                p.rank,
                f"{classifications.regions[p.region].name(lang)} ({p.region})",
                content.peer_period,
                p.value.value if p.value else None,
            ]
            for p in content.peers
        ],
    )
    _sheet(
        book,
        "trend",
        [
            (label["period"], None),
            (label["exports"] + amount, AMOUNT_FORMAT),
            (label["imports"] + amount, AMOUNT_FORMAT),
            (_("balance") + amount, AMOUNT_FORMAT),
            (label["total"] + amount, AMOUNT_FORMAT),
        ],
        [[p.period, p.exports, p.imports, p.balance, p.total] for p in content.trend],
    )
    _sheet(
        book,
        "structure",
        [
            ("EBOPS 2010", None),
            (_("category"), None),
            (label["period"], None),
            (label["total"] + amount, AMOUNT_FORMAT),
        ],
        [[code, name, content.structure_period, value] for code, name, value in content.structure],
    )
    sources = _sheet(
        book,
        "sources",
        [(label["source"], None), (label["observations"], "0"), (label["vintage"], None)],
        [[s.source, s.observations, _day(s.latest_vintage)] for s in content.sources]
        + [[f"{_('plan')}: {s.title}", None, s.url] for s in content.plan.sources]
        + [
            [f"{label['rates']} {r.period}: {r.cny_per_unit:.4f} CNY/USD — {r.source}", None, None]
            for r in content.exchange_rates
        ],
    )
    sources.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
