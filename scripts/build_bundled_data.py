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
- where several sources give the same figure, the most precise one is loaded (most
  significant digits, then a row with a level, then one with a published growth rate,
  then file order; a row its source calls unofficial comes last); the others are set
  aside with the line they yield to;
- vintage is the publication date in the source title (a year-month becomes the last day
  of that month); where the title carries no date, the date the reference set was compiled.

Run: python scripts/build_bundled_data.py
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from servtrade.classification import default_classifications

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
    *("region", "period", "flow", "category", "partner", "mode", "value", "unit"),
    *("yoy_growth", "source", "vintage", "note"),
]
FULL_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
MONTH_DATE = re.compile(r"(\d{4})-(\d{2})(?![\d-])")


@dataclass
class Candidate:
    file: str
    line: int
    row: dict[str, str]
    key: tuple[str, ...]


def vintage(title: str) -> str:
    if match := FULL_DATE.search(title):
        return match[1]
    if match := MONTH_DATE.search(title):
        year, month = int(match[1]), int(match[2])
        return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    return COMPILED


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
    converted = {
        "region": region,
        "period": row["period"],
        "flow": row["flow"],
        "category": category,
        "partner": partner,
        "mode": "ALL",
        "value": row["value"],
        "unit": unit,
        "yoy_growth": row["yoy_growth_pct"],
        "source": source,
        "vintage": vintage(row["source_title"]),
        "note": row["notes"],
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
                key += (converted["partner"], measure)
                candidates.append(Candidate(name, line, converted, key))
    chosen: dict[tuple[str, ...], Candidate] = {}
    for candidate in candidates:
        best = chosen.get(candidate.key)
        if best is None or preference(candidate) > preference(best):
            chosen[candidate.key] = candidate
    for candidate in candidates:
        kept = chosen[candidate.key]
        if kept is not candidate:
            set_aside.append(
                {
                    "file": candidate.file,
                    "line": str(candidate.line),
                    **_original(candidate),
                    "reason": f"same figure from another source; {kept.file} line {kept.line} "
                    "is loaded (more precise)",
                }
            )
    with (output / "china.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CANONICAL, lineterminator="\n")
        writer.writeheader()
        for candidate in sorted(chosen.values(), key=lambda c: (c.file, c.line)):
            writer.writerow(candidate.row)
    fields = ["file", "line", *_REFERENCE_FIELDS, "reason"]
    with (output / "china_set_aside.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(set_aside, key=lambda r: (r["file"], int(r["line"]))))
    print(f"loaded rows: {len(chosen)}; set aside: {len(set_aside)}")


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
