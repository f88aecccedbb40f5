"""Progress reports: content parsed back out of the HTML, XLSX and PDF and checked against
figures derived independently (by hand, or read straight from the bundled CSV)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.data import bundled_file
from servtrade.i18n import format_amount, using_language
from servtrade.periods import parse_period
from servtrade.plans import find_plan
from servtrade.plans.documents import bundled_plan_files
from servtrade.plans.probability import target_probability
from servtrade.plans.progress import track_plan
from servtrade.plans.verdict import status_words
from servtrade.report import render_report
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, load_constructed_guizhou
from tests.reading import ENGLISH_PROSE, RAW_CODE, shown_text

GUIZHOU = "guizhou-services-digital-trade-2025"
NATIONAL = "china-digital-trade-opinions-2024"
TARGET_IDS = {"total-2027", "dds-share-2027", "total-2030", "dds-share-2030", "growth-15th-fyp"}
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


@pytest.fixture
def gz_store(bundled: Store, tmp_path: Path) -> Store:
    """The bundled real figures plus constructed Guizhou figures (labelled as such)."""
    return load_constructed_guizhou(bundled, tmp_path)


def _soup(store: Store, plan_id: str, lang: str) -> BeautifulSoup:
    html = render_report(store, find_plan(store, plan_id), "html", lang).decode("utf-8")
    return BeautifulSoup(html, "html.parser")


def _target_cells(soup: BeautifulSoup) -> dict[str, list[str]]:
    return {
        str(row["data-target"]): [td.get_text(strip=True) for td in row.find_all("td")]
        for row in soup.select("tr[data-target]")
    }


def _published(region: str, period: str, flow: str, category: str, unit: str) -> list[str]:
    """A row of the bundled CSV as published: value and growth, read with the csv module."""
    with bundled_file().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["region"], row["period"], row["flow"], row["category"], row["unit"]) == (
                region,
                period,
                flow,
                category,
                unit,
            ) and (row["partner"], row["mode"]) == ("W1", "ALL"):
                return [row["value"], row["yoy_growth"]]
    raise AssertionError(f"no published row {region} {period} {flow} {category} {unit}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_guizhou_targets_in_html_match_hand_computation(gz_store: Store, lang: str) -> None:
    cells = _target_cells(_soup(gz_store, GUIZHOU, lang))
    assert set(cells) == TARGET_IDS
    # Columns: target, year, goal, latest, gap, required, actual, status, P(met), expected.
    # Constructed totals 80 (2022) and 96 (2024): required (120/96)^(1/3)-1, actual
    # (96/80)^(1/2)-1; shares 25% (2022) and 30/96 = 31.25% (2024).
    total_2027 = cells["total-2027"]
    assert total_2027[5] == "7.72%"
    assert total_2027[6] == "9.54%"
    assert cells["total-2030"][5] == "6.49%"  # (140/96)^(1/6)-1
    assert cells["dds-share-2027"][5] == "1.25 pp"  # (35-31.25)/3
    assert cells["dds-share-2030"][5] == "2.29 pp"  # (45-31.25)/6
    with using_language(lang):
        assert total_2027[4] == format_amount(24e8, "CNY")  # 120 - 96 (亿元)
        substantial = status_words("substantial_progress")
    assert total_2027[4] == ("24.0亿元" if lang == "zh" else "2.4 billion yuan")
    # R = actual / required ≥ 0.95 for every target: 9.54/7.72, 3.125/1.25, 9.09/5 ...
    assert {row[7] for row in cells.values()} == {substantial}
    # Three full years allow no honest forecast interval: no probability is shown.
    assert all(row[8] == "—" for row in cells.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_guizhou_without_figures_says_so(bundled: Store, lang: str) -> None:
    soup = _soup(bundled, GUIZHOU, lang)
    cells = _target_cells(soup)
    with using_language(lang):
        unavailable = status_words("not_available")
    assert {row[7] for row in cells.values()} == {unavailable}
    summary = soup.select_one("#summary")
    assert summary is not None
    text = summary.get_text()
    assert ("贵州" in text) if lang == "zh" else ("Guizhou" in text)
    assert "servtrade ingest" in text
    assert ("0项已实现" in text) if lang == "zh" else ("5 targets" in text)


def _expected_national_numbers(store: Store, lang: str) -> list[str]:
    """Every number the national summary should state, in order, derived independently."""
    total, growth = _published("CN", "2025-01/2025-10", "total", "S", "CNY_TN")
    exports, _g = _published("CN", "2025-01/2025-10", "export", "S", "CNY_TN")
    imports, _g = _published("CN", "2025-01/2025-10", "import", "S", "CNY_TN")
    kis_2023 = float(_published("CN", "2023", "total", "knowledge_intensive", "CNY_TN")[0])
    total_2023 = float(_published("CN", "2023", "total", "S", "CNY_TN")[0])
    # The latest digitally deliverable share on MOFCOM's basis (2024's 4,067.2 of 10,565
    # 亿美元 come from sources that state no basis, so they are not mixed in).
    dds_2022 = float(_published("CN", "2022", "total", "digitally_deliverable", "CNY_TN")[0])
    total_2022 = float(_published("CN", "2022", "total", "S", "CNY_TN")[0])
    deficit = round((float(imports) - float(exports)) * 10_000, 1)  # 万亿元 → 亿元: 7,700.0
    numbers = (
        ["2025", "1", "10", total, growth, exports, imports, f"{deficit:,.1f}"]
        if lang == "zh"
        else ["2025", total, growth, exports, imports, f"{deficit / 10:,.1f}"]  # billion yuan
    )
    shares = [
        ("2023", f"{kis_2023 / total_2023 * 100:.1f}"),
        ("2022", f"{dds_2022 / total_2022 * 100:.1f}"),
    ]
    for year, share in shares:  # 41.4 (2023), 42.0 (2022)
        numbers += [year, share] if lang == "zh" else [share, year]
    # What drove growth: knowledge-intensive services, 2.50 → 2.72万亿元 (2022 → 2023), of
    # all services' 5.98 → 6.575万亿元: 3.68 of 9.95 points.
    kis_2022 = float(_published("CN", "2022", "total", "knowledge_intensive", "CNY_TN")[0])
    points = (kis_2023 - kis_2022) / total_2022 * 100
    numbers += ["2023", f"{points:.2f}", f"{(total_2023 / total_2022 - 1) * 100:.2f}"]
    # What the share targets ask of the digitally deliverable categories: the rest of
    # services trade (total less digitally deliverable) from 2019 (7,850 less 2,718.1 亿美元,
    # at the bundled 2019 rate) to 2022 (5.98 less 2.51万亿元), and the growth that brings
    # 2.51 of 5.98 to the target share with the rest at that trend.
    rate = store.rate_table().rate(parse_period("2019"), "USD").cny_per_unit
    total_2019 = float(_published("CN", "2019", "total", "S", "USD_100M")[0])
    dds_2019 = float(_published("CN", "2019", "total", "digitally_deliverable", "USD_100M")[0])
    rest_2019, rest_2022 = (total_2019 - dds_2019) * rate / 10_000, total_2022 - dds_2022
    rest = ((rest_2022 / rest_2019) ** (1 / 3) - 1) * 100  # -0.7% a year
    past = ((dds_2022 / (dds_2019 * rate / 10_000)) ** (1 / 3) - 1) * 100

    def carried(year: int) -> list[str]:
        share = {2029: 0.45, 2035: 0.50}[year]
        ratio = share / (1 - share) * rest_2022 / dds_2022
        needed = (ratio ** (1 / (year - 2022)) * (1 + rest / 100) - 1) * 100
        shown = [f"{abs(rest):.1f}", f"{needed:.1f}", str(year)]
        span = ["2019", "2022"]
        if lang == "zh":
            return [*span, *shown, *span, f"{past:.1f}"]
        return [*span, *shown, f"{past:.1f}", *span]

    plan = find_plan(store, NATIONAL)
    # Two share targets: the 2029 one (baseline 2024) cannot be judged on MOFCOM's latest
    # share, 2022's; the 2035 one (baseline 2015) moves fast enough.
    numbers += ["2", "0", "1", "0", "1"]
    progress = {t.target.id: t for t in track_plan(store, plan).targets}
    for target in plan.targets:
        chance = target_probability(store, plan, target)
        assert chance.probability is not None
        assert chance.expected is not None
        assert chance.lo80 is not None
        assert chance.hi80 is not None
        tracked = progress[target.id]
        year = str(target.target_year)
        if tracked.status == "not_available":  # latest figure before the baseline: outlook only
            numbers += [year, f"{chance.probability * 100:.0f}", *carried(target.target_year)]
            numbers += [
                year,
                f"{chance.expected:.1f}",
                "80",
                f"{chance.lo80:.1f}",
                f"{chance.hi80:.1f}",
            ]
            continue
        assert tracked.baseline is not None and tracked.latest_full_year is not None
        # The verdict: status since the baseline year, the chance by the target year; where
        # they disagree (2029: deterioration, yet an even chance), the paces in pp a year:
        # along the median to the target year, so far, and needed.
        numbers += [tracked.baseline.period, year, f"{chance.probability * 100:.0f}"]
        if "median forecast gains" in str(tracked.verdict) or "预测中位数至" in str(
            tracked.verdict
        ):
            assert tracked.actual_change_pp_per_year is not None
            assert tracked.required_change_pp_per_year is not None
            years = target.target_year - int(tracked.latest_full_year.period)
            outlook = (chance.expected - tracked.latest_full_year.value) / years
            paces = [
                f"{abs(value):.1f}"  # the sign is a character, not part of the number
                for value in (
                    outlook,
                    tracked.actual_change_pp_per_year,
                    tracked.required_change_pp_per_year,
                )
            ]
            numbers += [year, *paces] if lang == "zh" else [paces[0], year, *paces[1:]]
        numbers += carried(target.target_year)
        numbers += [
            str(target.target_year),
            f"{chance.expected:.1f}",
            "80",  # the interval's name: "80% interval"
            f"{chance.lo80:.1f}",
            f"{chance.hi80:.1f}",
        ]
    return numbers


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_in_the_national_summary_is_rederived(bundled: Store, lang: str) -> None:
    soup = _soup(bundled, NATIONAL, lang)
    summary = soup.select_one("#summary")
    assert summary is not None
    text = " ".join(p.get_text() for p in summary.find_all("p"))
    plan = find_plan(bundled, NATIONAL)
    for target in plan.targets:  # the plan's own wording, quoted, is not a store figure
        text = text.replace(target.description.text(lang), "")
    assert NUMBER.findall(text) == _expected_national_numbers(bundled, lang)
    assert ("万亿元" in text) if lang == "zh" else ("trillion yuan" in text)


def test_charts_are_vector_with_text_alternatives(bundled: Store) -> None:
    soup = _soup(bundled, NATIONAL, "zh")
    figures = soup.select("#charts figure")
    assert len(figures) >= 3
    for figure in figures:
        assert figure.find("svg") is not None
        assert figure.find("image") is None
        described = figure.select_one("[role=img]")
        assert described is not None
        assert described["aria-label"]
        caption = figure.select_one("figcaption")
        assert caption is not None
        assert caption.get_text(strip=True)
    svg_text = " ".join(t.get_text() for t in soup.select("#charts svg text"))
    assert "出口" in svg_text  # chart labels are text, in the report's language


def _workbook_rows(data: bytes, sheet: str) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(data))
    return list(book[sheet].iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("lang", "targets", "headline"), [("zh", "目标", "主要指标"), ("en", "Targets", "Headline")]
)
def test_guizhou_xlsx_has_numbers_units_and_sources(
    gz_store: Store, lang: str, targets: str, headline: str
) -> None:
    data = render_report(gz_store, find_plan(gz_store, GUIZHOU), "xlsx", lang)
    book = load_workbook(io.BytesIO(data))
    assert targets in book.sheetnames
    sheet = book[targets]
    header = [c.value for c in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == TARGET_IDS
    total = rows["total-2027"]
    latest, gap = total[header.index(_latest_header(lang))], total[header.index(_gap(lang))]
    assert (latest.value, latest.data_type) == (96, "n")
    assert (gap.value, gap.data_type, gap.number_format) == (24, "n", "#,##0.0")
    assert total[4].value == 120
    required = total[9].value
    assert isinstance(required, float)
    assert required == pytest.approx(((120 / 96) ** (1 / 3) - 1) * 100)
    head = book[headline]
    unit = "亿元" if lang == "zh" else "100 million yuan"
    assert all(unit in str(c.value) for c in head[1][1:4])
    periods = [row[0] for row in head.iter_rows(min_row=2, values_only=True)]
    assert periods == ["2022", "2023", "2024"]
    assert [row[1] for row in head.iter_rows(min_row=2, values_only=True)] == [80, 88, 96]
    sources = book[book.sheetnames[-1]]
    assert any(CONSTRUCTED in str(c.value) for c in sources["A"])


def _latest_header(lang: str) -> str:
    return "最新值" if lang == "zh" else "Latest"


def _gap(lang: str) -> str:
    return "差距" if lang == "zh" else "Gap"


def test_formula_in_task_title_stays_text(bundled: Store, tmp_path: Path) -> None:
    plan_text = find_plan(bundled, GUIZHOU).model_dump(mode="json", exclude_none=True)
    hostile = [
        '=HYPERLINK("http://example.invalid/x","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
    ]
    plan_text["id"] = "crafted-plan"
    plan_text["tasks"] = [
        {"id": f"t{i}", "aspect": {"en": "=cmd|' /C calc'!A0"}, "title": {"en": title}}
        for i, title in enumerate(hostile)
    ]

    path = tmp_path / "crafted.yaml"
    path.write_text(yaml.safe_dump(plan_text, allow_unicode=True), encoding="utf-8")
    data = render_report(bundled, find_plan(bundled, str(path)), "xlsx", "en")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name
    book = load_workbook(io.BytesIO(data))
    cells = [c for row in book["Tasks"].iter_rows(min_row=2) for c in row if c.value]
    titles = [c for c in cells if c.column == 3]
    assert [c.value for c in titles] == hostile
    assert all(c.data_type == "s" and c.quotePrefix for c in titles)
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_chinese_pdf_renders_and_text_is_extractable(gz_store: Store, tmp_path: Path) -> None:
    pdf = tmp_path / "report.zh.pdf"
    pdf.write_bytes(render_report(gz_store, find_plan(gz_store, GUIZHOU), "pdf", "zh"))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "关于推动服务贸易和数字贸易高质量发展的实施意见" in text
    assert "进展显著" in text
    assert "贵州省" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts
    # Every font is embedded and is Noto Sans CJK, which has glyphs for all the text: no
    # fallback to a font without Chinese (which would print missing-glyph boxes).
    assert all("Noto-Sans-CJK" in line and " yes " in line for line in fonts), fonts
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert len(pages) == count >= 2
    assert all(page.stat().st_size > 2_000 for page in pages)


def test_english_pdf(bundled: Store) -> None:
    data = render_report(bundled, find_plan(bundled, GUIZHOU), "pdf", "en")
    assert data.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("value", "currency", "lang", "text"),
    [
        (65_800e8, "CNY", "zh", "6.58万亿元"),
        (65_800e8, "CNY", "en", "6.58 trillion yuan"),
        (120e8, "CNY", "zh", "120.0亿元"),
        (120e8, "CNY", "en", "12.0 billion yuan"),
        (10_565e8, "USD", "zh", "1.06万亿美元"),
        (4_067.2e8, "USD", "en", "406.7 billion US dollars"),
        (350e4, "CNY", "zh", "350.0万元"),
    ],
)
def test_amounts_in_each_language(value: float, currency: str, lang: str, text: str) -> None:
    with using_language(lang):
        assert format_amount(value, currency) == text


def test_report_command_writes_each_format(gz_store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    db = gz_store.location
    gz_store.close()
    for format_ in ("html", "xlsx"):
        out = tmp_path / f"gz.{format_}"
        result = runner.invoke(
            app,
            ["report", GUIZHOU, "--lang", "zh", "--format", format_, "--out", str(out), "--db", db],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    bad = runner.invoke(app, ["report", GUIZHOU, "--format", "docx", "--db", db])
    assert bad.exit_code == 2
    assert "html, pdf, xlsx" in bad.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_statuses_signs_and_quotes_read_as_prose(gz_store: Store, lang: str) -> None:
    """The English report showed raw codes (substantial_progress), Chinese prose an ASCII
    `>=` and doubled quotes (目标““十五五”期间…”)."""
    soup = _soup(gz_store, GUIZHOU, lang)
    text = soup.get_text(" ")
    for code in ("substantial_progress", "moderate_progress", "not_available", "CNY_100M"):
        assert code not in text
    assert ">=" not in text and "≥" in text
    if lang == "zh":
        assert "““" not in text and "””" not in text
        assert "“十五五”期间服务进出口年均增长5%以上：进展显著" in text  # a Chinese colon
        assert ": 进展" not in text
    else:
        assert "substantial progress" in text


def test_rates_are_listed_only_where_a_figure_was_converted(gz_store: Store) -> None:
    """An all-yuan report carried an exchange-rate table; and the title page said 数据截至 —."""
    yuan = _soup(gz_store, GUIZHOU, "en")
    assert "Exchange rates" not in yuan.get_text()
    title_page = yuan.get_text(" ")
    assert "Data as of —" not in title_page
    dollars = _soup(gz_store, "mofcom-services-trade-revitalization-2015", "en")
    assert "Exchange rates" in dollars.get_text()


PAGE_MARGIN_PT = 16 / 25.4 * 72  # the side margins of @page, 16 mm


def _words_outside_the_margins(pdf: bytes, tmp_path: Path) -> list[tuple[int, str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    outside = []
    pages = re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', boxes, re.S)
    for number, (width, body) in enumerate(pages, start=1):
        right = float(width) - PAGE_MARGIN_PT + 1  # a point of tolerance for rounding
        for left, end, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            body,
        ):
            if float(left) < PAGE_MARGIN_PT - 1 or float(end) > right:
                outside.append((number, word))
    return outside


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("plan_id", sorted(p.stem for p in bundled_plan_files()))
def test_every_bundled_plans_pdf_stays_inside_the_margins(
    bundled_db: Path, tmp_path: Path, plan_id: str, lang: str
) -> None:
    """The English targets table ran past the right margin (a goal of '≥ 1.00 trillion US
    dollars' could not wrap) and broke words mid-word."""
    with Store(bundled_db, read_only=True) as store:
        pdf = render_report(store, find_plan(store, plan_id), "pdf", lang)
    assert _words_outside_the_margins(pdf, tmp_path) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("plan_id", sorted(p.stem for p in bundled_plan_files()))
def test_every_bundled_report_reads_in_its_language(
    bundled_db: Path, plan_id: str, lang: str
) -> None:
    """A Chinese report said "share_of_parent 类目标不做预测" and gave the groupings'
    definitions and every source in English, unmarked; an English one showed the code too."""
    with Store(bundled_db, read_only=True) as store:
        html = render_report(store, find_plan(store, plan_id), "html", lang)
    text = shown_text(
        html if isinstance(html, str) else html.decode(), "zh-CN" if lang == "zh" else "en"
    )
    assert RAW_CODE.findall(text) == []
    if lang == "zh":
        assert ENGLISH_PROSE.findall(text) == []


def test_a_chinese_report_draws_every_glyph(bundled_db: Path) -> None:
    """Matplotlib warned 51 times per Chinese report that glyphs were missing from its
    font (the charts' Chinese drawn as boxes)."""
    import warnings

    with Store(bundled_db, read_only=True) as store:
        plan = find_plan(store, "china-digital-trade-opinions-2024")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            render_report(store, plan, "pdf", "zh")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []


def test_a_fan_charts_legend_shows_the_band_as_a_band(bundled: Store) -> None:
    """The 80% entry of a fan chart's legend was a black dot, not the band's colour."""
    from servtrade.plans.trajectory import target_trajectories
    from servtrade.report.charts import EXPORT_COLOUR, trajectory_chart

    plan = find_plan(bundled, "china-digital-trade-opinions-2024")
    trajectory = target_trajectories(bundled, plan, None)[0]
    assert trajectory.forecast
    svg = trajectory_chart(trajectory, "%", "title", bundled.classifications()).svg
    legend = svg[svg.index("legend_1") :]
    band = f"fill: {EXPORT_COLOUR}; fill-opacity: 0.2"
    assert re.search(r'patch_\d+">\s*<path[^>]*style="' + re.escape(band), legend)
