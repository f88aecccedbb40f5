"""Convert the published reference figures in data/reference/china/ to the canonical format.

Writes src/servtrade/data/bundled/china.csv (loaded by `servtrade quickstart`) and
src/servtrade/data/bundled/china_set_aside.csv: every published row that is not loaded,
with the reason. Nothing is estimated: values, units and published growth rates are
copied as published, and each row keeps its source title and URL.

Rules:
- categories map to EBOPS 2010 codes or to the grouping that MOFCOM publishes
  (knowledge-intensive, digitally deliverable, emerging services);
- rows that are not a region of the classification (multi-province aggregates), not a
  level (ranks, multi-year spans), or of another definition ("digital trade") are set aside;
- a growth rate published without a level or currency is set aside: its basis is unknown;
- basis: `bop` where the source or the row's notes name SAFE or the balance of payments
  as the publisher or basis, `mofcom_sts` where they name MOFCOM (商务部); a national
  figure in yuan or of knowledge-intensive services from a source that names no publisher
  is `mofcom_sts` by the reference set's own caveat 2 ("MOFCOM services-trade statistics
  are the source of the headline 亿元 figures and of the knowledge-intensive series"; SAFE's
  figures there are all titled as SAFE's), and its note says so; anything else `unknown`;
- qualifier: a bound or an approximation where the notes put a word of one ("nearly",
  "over", 突破, 约...) before the figure as published, or call the row a lower bound or
  approximate; otherwise exact. decimals: the decimals of the value as published, in its
  published unit (5.98 trillion: 2);
- vintage is the release date the source gives: a date in its title, else a date in its
  address (a repost's date, no earlier than the release), else a year-month or a year in
  the title (the last day of it: the latest the release can have been); where none is
  known, the date the reference set was compiled, and the note says so;
- for each figure (region, period, flow, category, partner, unit's currency, basis): a
  row its source calls unofficial is set aside where an official one exists; rows that
  agree within their published rounding are one figure, and the most precise is loaded
  (most significant digits, then a row with a level, then one with a published growth
  rate, then file order); a row that differs beyond rounding and has a later release date
  is loaded as a revision (another vintage); the others are set aside with the line they
  yield to.

Run: python scripts/build_bundled_data.py
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from servtrade.classification import Classifications, default_classifications

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference" / "china"
BUNDLED = ROOT / "src" / "servtrade" / "data" / "bundled"
COMPILED = "2026-11-01"

CATEGORY = {
    "ALL": "S",
    "knowledge-intensive services": "knowledge_intensive",
    "knowledge-intensive services (share of total)": "knowledge_intensive",
    "digitally deliverable services": "digitally_deliverable",
    "emerging services (新兴服务)": "emerging",
}
PARTNER = {"partner: United States": "US", "partner: Hong Kong": "HK"}
OTHER_DEFINITION = "a 'digital trade' figure of another definition than the EBOPS-based aggregate"
SET_ASIDE_CATEGORY = {
    "ALL (rank among provinces)": "a rank, not a level",
    "ALL (share of national services trade)": (
        "a share of the national total (computed, not loaded)"
    ),
    "software (软件贸易)": "software trade is not an EBOPS 2010 category",
    "digital services trade": OTHER_DEFINITION,
    "digital trade (数字贸易)": OTHER_DEFINITION,
    "digital services trade (数字服务贸易)": OTHER_DEFINITION,
    "international digital trade (国际数字贸易)": OTHER_DEFINITION,
}
CANONICAL = [
    *("region", "period", "flow", "category", "partner", "mode", "basis", "value", "unit"),
    *("qualifier", "decimals", "yoy_growth", "source", "vintage", "note"),
]
FULL_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
MONTH_DATE = re.compile(r"(\d{4})-(\d{2})(?![\d-])")
# Dates in an address: /2021/0205/, /202509/22/, /2024/02/02/, /202201/.
ADDRESS_DAY = re.compile(r"/(20\d{2})/?(\d{2})/?(\d{2})/")
ADDRESS_MONTH = re.compile(r"/(20\d{2})(\d{2})/")
TITLE_YEAR = re.compile(r"[(（,]\s*((?:19|20)\d{2})\)$")  # "(2017)", "(Gao Hucheng, 2016)"
STATED_BOP = re.compile(r"SAFE BOP basis|BOP \(SAFE\) basis")
BOP_WORDS = re.compile(r"SAFE|国家外汇管理局|外汇局|\bBOP\b|balance of payments|国际收支", re.I)
MOFCOM_WORDS = re.compile(r"MOFCOM|商务部|mofcom\.gov\.cn", re.I)
OTHER_PUBLISHERS = re.compile(r"\bNBS\b|国家统计局|CAICT|UNCTAD|WTO", re.I)
BY_CAVEAT = (
    "basis: MOFCOM by data/reference/china/README.md caveat 2 (headline 亿元 figures and the "
    "knowledge-intensive series are MOFCOM's); the source names no publisher"
)
LOWER_WORDS = (
    r"slightly over|more than|exceeded|exceeds|exceed|surpassed|surpass|over|top|突破|超过|逾"
)
APPROXIMATE_WORDS = r"nearly|neared|approximately|about|around|约|近|~|≈"
APPROXIMATE_SPREAD = 0.05  # an approximate figure agrees with one within 5% of it


@dataclass
class Candidate:
    file: str
    line: int
    row: dict[str, str]
    key: tuple[str, ...]


def _month_end(year: int, month: int) -> str:
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def vintage(title: str, url: str = "") -> tuple[str, bool]:
    """(release date, whether the source gives one)."""
    if match := FULL_DATE.search(title):
        return match[1], True
    if (match := ADDRESS_DAY.search(url)) and 1 <= int(match[2]) <= 12:
        return f"{match[1]}-{match[2]}-{match[3]}", True
    for found in (MONTH_DATE.search(title), ADDRESS_MONTH.search(title + " " + url)):
        if found and 1 <= int(found[2]) <= 12:
            return _month_end(int(found[1]), int(found[2])), True
    if match := TITLE_YEAR.search(title.strip()):
        return f"{match[1]}-12-31", True
    return COMPILED, False


def _period_end(label: str) -> str:
    last = label.split("/")[-1]
    if len(last) == 4:
        return f"{last}-12-31"
    return _month_end(int(last[:4]), int(last[5:7]))


def basis(row: dict[str, str]) -> tuple[str, bool]:
    """The basis the source names for the row, else the reference set's caveat's, else
    unknown; and whether it comes from the caveat."""
    named = f"{row['source_title']} {row['notes']} {row['source_url']}"
    if STATED_BOP.search(row["notes"]):
        return "bop", False  # the row's note states the basis
    if BOP_WORDS.search(row["source_title"]):
        return "bop", False
    if MOFCOM_WORDS.search(named):
        return "mofcom_sts", False
    national = row["region"] == "China" and not OTHER_PUBLISHERS.search(named)
    in_yuan = row["currency"] == "CNY" or "CNY" in row["unit"] or "亿元" in row["unit"]
    if national and (in_yuan or row["category"].startswith("knowledge-intensive")):
        return "mofcom_sts", True
    return "unknown", False


def qualifier(row: dict[str, str]) -> str:
    """A bound or an approximation where the notes say so of the figure as published."""
    note, value = row["notes"], re.escape(row["value"])
    if not value:
        return "exact"
    beside = r"\s*['\"]?\s*(?:US\$|\$)?" + value + r"(?![0-9.])"
    if re.search(rf"(?:{LOWER_WORDS}){beside}", note, re.I) or "lower bound" in note:
        return "lower_bound"
    if "(>)" in note:
        return "lower_bound"
    if re.search(rf"(?:{APPROXIMATE_WORDS}){beside}", note, re.I) or "approximate" in note:
        return "approximate"
    if re.match(rf"^'?(?:{APPROXIMATE_WORDS})'?(?:;|$)", note, re.I):
        return "approximate"  # the note is only the word: the figure is approximate
    return "exact"


def decimals(value: str) -> str:
    if not value:
        return ""
    exponent = Decimal(value).as_tuple().exponent
    return str(-exponent) if isinstance(exponent, int) else ""


def significant_digits(value: str) -> int:
    return len(value.replace(".", "").replace("-", "").lstrip("0"))


def preference(candidate: Candidate) -> tuple[bool, int, bool, bool]:
    """Official before unofficial, then precision, then a level, then a published growth."""
    row = candidate.row
    return (
        "unofficial" not in row["note"],
        significant_digits(row["value"]),
        bool(row["value"]),
        bool(row["yoy_growth"]),
    )


def _agree(a: Candidate, b: Candidate, classifications: Classifications) -> bool:
    """Whether two rows state the same figure within the coarser one's published rounding
    (a row without a level states only a growth rate and agrees with any)."""
    if not a.row["value"] or not b.row["value"]:
        return True
    amounts, steps = [], []
    for candidate in (a, b):
        scale = classifications.unit(candidate.row["unit"]).scale
        amounts.append(float(candidate.row["value"]) * scale)
        steps.append(10.0 ** -int(candidate.row["decimals"]) * scale)
    slack = max(steps) / 2 * (1 + 1e-9)
    for first, (x, y) in ((a, amounts), (b, amounts[::-1])):
        kind = first.row["qualifier"]
        if kind == "lower_bound":
            return y >= x - slack
        if kind == "upper_bound":
            return y <= x + slack
        if kind == "approximate":
            return abs(x - y) <= max(slack, APPROXIMATE_SPREAD * abs(x))
    return abs(amounts[0] - amounts[1]) <= slack


def select(
    group: list[Candidate], classifications: Classifications
) -> tuple[list[Candidate], list[tuple[Candidate, str]]]:
    """The rows of one figure to load (one per distinct figure), and those set aside."""
    official = [c for c in group if "unofficial" not in c.row["note"]]
    aside: list[tuple[Candidate, str]] = []
    if official and len(official) < len(group):
        best = max(official, key=preference)
        aside += [
            (c, f"unofficial; the official {best.file} line {best.line} is loaded")
            for c in group
            if c not in official
        ]
        group = official
    kept: list[Candidate] = []
    for candidate in sorted(group, key=preference, reverse=True):
        same = next((k for k in kept if _agree(k, candidate, classifications)), None)
        if same is not None:
            aside.append(
                (
                    candidate,
                    f"same figure from another source; {same.file} line {same.line} "
                    "is loaded (more precise)",
                )
            )
            continue
        clash = next(
            (
                k
                for k in kept
                if COMPILED in (k.row["vintage"], candidate.row["vintage"])
                or k.row["vintage"] == candidate.row["vintage"]
            ),
            None,
        )
        if clash is not None:
            aside.append(
                (
                    candidate,
                    f"differs from {clash.file} line {clash.line} (loaded, more precise); "
                    "not a later revision of it (same or unknown release date)",
                )
            )
            continue
        kept.append(candidate)  # a different figure released on another date: a revision
    return kept, aside


def convert(file: str, line: int, row: dict[str, str]) -> tuple[dict[str, str] | None, str]:
    classifications = default_classifications()
    region = classifications.regions.resolve(row["region"])
    if region is None:
        return None, "not a single region of the classification (an aggregate of places)"
    if "/" in row["period"] and row["period"][4] == "/":
        return None, "a multi-year span (cumulative total or average growth), not one period"
    if row["category"] in SET_ASIDE_CATEGORY:
        return None, SET_ASIDE_CATEGORY[row["category"]]
    category = CATEGORY.get(row["category"]) or classifications.categories.resolve(row["category"])
    partner = PARTNER.get(row["category"], "W1")
    if partner != "W1":
        category = "S"
    if category is None:
        return None, f"category {row['category']!r} is not in the classification"
    unit = classifications.units.resolve(row["unit"]) if row["unit"] else None
    if unit is None and row["currency"]:
        unit = f"{row['currency']}_100M"  # growth-only row: the level's unit is immaterial
    if unit is None:
        return None, "a growth rate published without a level or currency: basis unknown"
    source = f"{row['source_title']} <{row['source_url']}>"
    released, known = vintage(row["source_title"], row["source_url"])
    if known and released < _period_end(row["period"]):
        released, known = COMPILED, False  # a date in the title that is the data's year
    note = row["notes"]
    row_basis, by_caveat = basis(row)
    if by_caveat:
        note = f"{note}; {BY_CAVEAT}" if note else BY_CAVEAT
    if not known:
        unknown = f"release date unknown: vintage {COMPILED} is the date this set was compiled"
        note = f"{note}; {unknown}" if note else unknown
    converted = {
        "region": region,
        "period": row["period"],
        "flow": row["flow"],
        "category": category,
        "partner": partner,
        "mode": "ALL",
        "basis": row_basis,
        "value": row["value"],
        "unit": unit,
        "qualifier": qualifier(row),
        "decimals": decimals(row["value"]),
        "yoy_growth": row["yoy_growth_pct"],
        "source": source,
        "vintage": released,
        "note": note,
    }
    return converted, ""


def main(output: Path = BUNDLED) -> None:
    output.mkdir(parents=True, exist_ok=True)
    candidates: list[Candidate] = []
    set_aside: list[dict[str, str]] = []
    classifications = default_classifications()
    for name in ("national.csv", "provincial.csv"):
        with (REFERENCE / name).open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                converted, reason = convert(name, line, row)
                if converted is None:
                    set_aside.append({"file": name, "line": str(line), **row, "reason": reason})
                    continue
                measure = classifications.unit(converted["unit"]).measure
                key = tuple(converted[k] for k in ("region", "period", "flow", "category"))
                key += (converted["partner"], measure, converted["basis"])
                candidates.append(Candidate(name, line, converted, key))
    by_key: dict[tuple[str, ...], list[Candidate]] = {}
    for candidate in candidates:
        by_key.setdefault(candidate.key, []).append(candidate)
    loaded: list[Candidate] = []
    for group in by_key.values():
        kept, aside = select(group, classifications)
        loaded += kept
        for candidate, reason in aside:
            set_aside.append(
                {"file": candidate.file, "line": str(candidate.line), **_original(candidate)}
                | {"reason": reason}
            )
    with (output / "china.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CANONICAL, lineterminator="\n")
        writer.writeheader()
        for candidate in sorted(loaded, key=lambda c: (c.file, c.line)):
            writer.writerow(candidate.row)
    fields = ["file", "line", *_REFERENCE_FIELDS, "reason"]
    with (output / "china_set_aside.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(set_aside, key=lambda r: (r["file"], int(r["line"]))))
    print(f"loaded rows: {len(loaded)}; set aside: {len(set_aside)}")


_REFERENCE_FIELDS = [
    *("region", "period", "flow", "category", "value", "unit", "currency"),
    *("yoy_growth_pct", "source_title", "source_url", "notes"),
]


def _original(candidate: Candidate) -> dict[str, str]:
    with (REFERENCE / candidate.file).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows[candidate.line - 2]


if __name__ == "__main__":
    main()
