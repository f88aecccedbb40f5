"""Progress reports on a plan, in Chinese or English, as HTML, PDF or Excel.

`build_report` gathers the figures once; `render` turns them into one of the formats. The
PDF is the HTML printed by WeasyPrint, with a CJK font (Noto Sans CJK, Debian's
fonts-noto-cjk) and the charts as vector graphics.
"""

from __future__ import annotations

from datetime import date

from servtrade.i18n import using_language
from servtrade.plans.schema import Plan
from servtrade.report.content import ReportContent, build_report
from servtrade.report.html import render_html
from servtrade.report.narrative import Sentence, written_summary
from servtrade.report.xlsx import render_xlsx
from servtrade.store import Store

FORMATS = ("html", "pdf", "xlsx")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "ReportContent",
    "Sentence",
    "build_report",
    "render_report",
    "written_summary",
]


def render_report(
    store: Store,
    plan: Plan,
    format_: str,
    lang: str,
    as_of: date | None = None,
    today: date | None = None,
) -> bytes:
    """The report on `plan` in `lang` (zh or en) as the bytes of an HTML, PDF or XLSX file."""
    if format_ not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    with using_language(lang) as chosen:
        content = build_report(store, plan, chosen, as_of, today)
        classifications = store.classifications()
        if format_ == "xlsx":
            return render_xlsx(content, classifications)
        html = render_html(content, classifications)
    if format_ == "html":
        return html.encode("utf-8")
    from weasyprint import HTML  # loads Pango; only a PDF needs it

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
