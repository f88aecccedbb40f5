"""Validate rows in the canonical long format and turn them into observations.

Each distinct cell value is resolved once and the answer mapped onto every row, so a
file of a million rows costs as many look-ups as it has distinct codes. Every problem
is reported with its line, column and reason; a row with any problem is set aside.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from servtrade.classification import WORLD, Classifications, Codelist
from servtrade.i18n import N_
from servtrade.ingest.readers import LINE, SOURCE_COLUMN
from servtrade.ingest.report import RowIssue
from servtrade.periods import Period, PeriodError, parse_period
from servtrade.store.sql import OBSERVATION_KEY

# Numbers are written in ASCII digits (other scripts' digits are not numbers here).
_NUMBER_WITH_SUFFIX = re.compile(
    r"^([-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?)\s*([^0-9].*)?$"
)
# Plausibility limits: a level beyond MAX_AMOUNT base units (yuan or US dollars; about ten
# times world services trade in yuan), a figure with more significant digits than a value
# keeps (a double holds 17 significant digits), a growth rate beyond MAX_GROWTH percent.
MAX_AMOUNT = 1e15
MAX_DIGITS = 17
MAX_GROWTH = 10_000.0
_DIGITS = re.compile(r"[0-9]")
_DECIMALS = r"\.(\d+)$"
RELATIVE_TOLERANCE = 1e-9
Reason = tuple[str, dict[str, object]]  # a message template and the values that fill it
UNKNOWN = {
    "region": N_("unknown region {value!r}"),
    "flow": N_("unknown flow {value!r}"),
    "category": N_("unknown category {value!r}"),
    "partner": N_("unknown partner {value!r}"),
    "mode of supply": N_("unknown mode of supply {value!r}"),
}
EMPTY = {
    "region": N_("region is empty"),
    "flow": N_("flow is empty"),
    "category": N_("category is empty"),
    "partner": N_("partner is empty"),
    "mode of supply": N_("mode of supply is empty"),
}


@dataclass
class Validated:
    staged: pd.DataFrame
    errors: list[RowIssue]
    warnings: list[RowIssue]


class _Issues:
    def __init__(self, file: str, frame: pd.DataFrame) -> None:
        self.file = file
        self.lines = frame[LINE]
        self.value_column = frame.get(SOURCE_COLUMN)
        self.errors: list[tuple[int, RowIssue]] = []

    def add(self, mask: pd.Series, column: str, reason: Callable[[int], Reason]) -> None:
        """Report `reason(row)` (a message template and its values) for every row where
        `mask` holds (rows are numbered 0..n)."""
        for label in mask[mask].index:
            index = int(cast(int, label))
            shown = column
            if column == "value" and self.value_column is not None:
                shown = str(self.value_column[index])
            message, params = reason(index)
            self.errors.append(
                (index, RowIssue.of(self.file, int(self.lines[index]), shown, message, **params))
            )

    def bad_rows(self) -> set[int]:
        return {index for index, _ in self.errors}


def lookup(cells: pd.Series, answer: Callable[[Any], object]) -> pd.Series:
    """`answer` for each distinct cell, spread over all rows (None where it has none).

    Factorizing first keeps the cost to one call per distinct value and one array take.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    answers = np.empty(len(uniques) + 1, dtype=object)
    answers[:-1] = [answer(u) for u in uniques]
    answers[-1] = None  # the factorize sentinel -1 picks the last slot
    return pd.Series(answers[codes], index=cells.index, dtype=object)


def _resolve(
    frame: pd.DataFrame, column: str, codelist: Codelist, what: str, issues: _Issues
) -> pd.Series:
    cells = frame[column]
    codes = lookup(cells, lambda value: codelist.resolve(value) if value else None)
    issues.add(
        codes.isna(),
        column,
        lambda i: (EMPTY[what], {}) if not cells[i] else (UNKNOWN[what], {"value": cells[i]}),
    )
    return codes


def _parse_amount(text: str, units: Codelist) -> tuple[float | None, str | None, Reason | None]:
    """(value, unit named in the cell, error) for cells like `1,234.5` or `120亿元`."""
    match = _NUMBER_WITH_SUFFIX.match(text.strip())
    if match is None or not match[1] or match[1] in "+-":
        return None, None, (N_("value {value!r} is not a number"), {"value": text})
    number = float(match[1].replace(",", ""))
    if match[2] is None:
        return number, None, None
    unit = units.resolve(match[2])
    if unit is None:
        return (
            None,
            None,
            (
                N_("value {value!r} carries an unknown unit {unit!r}"),
                {"value": text, "unit": match[2]},
            ),
        )
    return number, unit, None


def _always(reason: Reason) -> Callable[[int], Reason]:
    return lambda _row: reason


def _numbers(cells: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(cells.where(cells != ""), errors="coerce")
    return numeric.where(np.isfinite(numeric))


def _values(
    frame: pd.DataFrame, units: pd.Series, classifications: Classifications, issues: _Issues
) -> tuple[pd.Series, pd.Series]:
    cells = frame["value"]
    values = _numbers(cells)
    suffix_units = pd.Series(None, index=frame.index, dtype=object)
    unparsed = values.isna() & (cells != "")
    parsed = {v: _parse_amount(v, classifications.units) for v in cells[unparsed].unique()}
    for index in unparsed[unparsed].index:
        number, unit, error = parsed[cells[index]]
        if error is not None:
            issues.add(pd.Series({index: True}), "value", _always(error))
        else:
            values[index] = number
            suffix_units[index] = unit
    clash = suffix_units.notna() & units.notna() & (frame["unit"] != "") & (suffix_units != units)
    issues.add(
        clash,
        "unit",
        lambda i: (
            N_("value {value!r} names unit {named} but unit says {unit}"),
            {"value": cells[i], "named": suffix_units[i], "unit": units[i]},
        ),
    )
    units = units.where(units.notna(), suffix_units)
    return values, units


def validate(
    frame: pd.DataFrame,
    *,
    file: str,
    classifications: Classifications,
    default_vintage: date,
    default_source: str,
) -> Validated:
    frame = frame.copy()
    for column in frame.columns:
        if column not in (LINE, "value"):  # numbers parse with their spaces
            frame[column] = lookup(frame[column], lambda cell: str(cell).strip())
    frame["value"] = frame["value"].astype(str)
    for column, default in (("partner", WORLD), ("mode", "ALL")):
        if column not in frame:
            frame[column] = default
        frame[column] = frame[column].mask(frame[column] == "", default)
    for column in ("yoy_growth", "source", "vintage", "note"):
        if column not in frame:
            frame[column] = ""
    issues = _Issues(file, frame)

    codes = {
        "region": _resolve(frame, "region", classifications.regions, "region", issues),
        "flow": _resolve(frame, "flow", classifications.flows, "flow", issues),
        "category": _resolve(frame, "category", classifications.categories, "category", issues),
        "partner": _resolve(frame, "partner", classifications.regions, "partner", issues),
        "mode": _resolve(frame, "mode", classifications.modes, "mode of supply", issues),
    }
    units = lookup(
        frame["unit"], lambda value: classifications.units.resolve(value) if value else None
    )
    values, units = _values(frame, units, classifications, issues)
    issues.add(
        units.isna(),
        "unit",
        lambda i: (
            (N_("unit is empty"), {})
            if not frame["unit"][i]
            else (N_("unknown unit {value!r}"), {"value": frame["unit"][i]})
        ),
    )
    periods = _periods(frame, issues)
    growth = _numbers(frame["yoy_growth"])
    issues.add(
        growth.isna() & (frame["yoy_growth"] != ""),
        "yoy_growth",
        lambda i: (
            N_("published growth {value!r} is not a number"),
            {"value": frame["yoy_growth"][i]},
        ),
    )
    issues.add(
        growth < -100,
        "yoy_growth",
        lambda i: (N_("published growth {value}% is below -100%"), {"value": growth[i]}),
    )
    issues.add(
        (frame["value"] == "") & growth.isna(),
        "value",
        _always((N_("value is empty (and no published growth rate is given)"), {})),
    )
    spec = {u.code: classifications.unit(u.code) for u in classifications.units}
    measure = lookup(units, lambda code: spec[code].measure if code in spec else None)
    scale = lookup(units, lambda code: spec[code].scale if code in spec else np.nan).astype(float)
    issues.add(
        (values < 0) & (measure != "percent"),
        "value",
        lambda i: (
            N_(
                "negative level {value:g}: levels are never negative "
                "(load exports and imports; the balance is computed)"
            ),
            {"value": values[i]},
        ),
    )
    issues.add(
        (measure == "percent") & ((values < 0) | (values > 100)),
        "value",
        lambda i: (N_("share {value:g}% is outside 0-100"), {"value": values[i]}),
    )
    _plausible(frame, values, units, measure, scale, growth, issues)
    vintages = _vintages(frame, default_vintage, issues)

    bad = issues.bad_rows()
    good = frame.index.difference(pd.Index(list(bad))) if bad else slice(None)
    staged = pd.DataFrame(
        {
            **{key: codes[key].loc[good] for key in codes},
            "measure": measure.loc[good],
            "period": periods["period"].loc[good],
            "year": periods["year"].loc[good].astype("int32"),
            "first_month": periods["first_month"].loc[good].astype("int32"),
            "last_month": periods["last_month"].loc[good].astype("int32"),
            "value": values.loc[good].astype(float),
            "unit": units.loc[good],
            "amount": (values.loc[good] * scale.loc[good]).astype(float),
            "yoy_growth": growth.loc[good].astype(float),
            "source": frame["source"]
            .loc[good]
            .mask(frame["source"].loc[good] == "", default_source),
            "vintage": vintages.loc[good],
            "note": frame["note"].loc[good],
            "line": frame[LINE].loc[good].astype("int64"),
            "value_text": frame["value"].loc[good],
        }
    )
    errors = [issue for _, issue in sorted(issues.errors, key=lambda e: e[1].line or 0)]
    staged, duplicate_errors, duplicate_warnings = _deduplicate(staged, file)
    warnings = duplicate_warnings + _flow_consistency(staged, file, classifications)
    return Validated(staged, errors + duplicate_errors, warnings)


def _significant_digits(text: str) -> int:
    """Digits of a number as written, leading zeros and an exponent left out."""
    mantissa = re.split(r"[eE]", text.strip())[0]
    return len(_DIGITS.findall(mantissa.lstrip("+-0.,")))


def _plausible(
    frame: pd.DataFrame,
    values: pd.Series,
    units: pd.Series,
    measure: pd.Series,
    scale: pd.Series,
    growth: pd.Series,
    issues: _Issues,
) -> None:
    """Values no release could hold: rejected, with the limit, before anything computes
    with them."""
    amount = values.abs() * scale
    issues.add(
        (measure != "percent") & (amount > MAX_AMOUNT),
        "value",
        lambda i: (
            N_(
                "value {value:g} {unit} is {amount:.3g} in base units, beyond the plausible "
                "limit of {limit:.0e} (about ten times world services trade in yuan)"
            ),
            {"value": values[i], "unit": units[i], "amount": amount[i], "limit": MAX_AMOUNT},
        ),
    )
    digits = lookup(frame["value"], _significant_digits)
    issues.add(
        values.notna() & (digits > MAX_DIGITS),
        "value",
        lambda i: (
            N_("value {value!r} has {digits} significant digits; at most {limit} are kept"),
            {"value": frame["value"][i], "digits": digits[i], "limit": MAX_DIGITS},
        ),
    )
    issues.add(
        growth.abs() > MAX_GROWTH,
        "yoy_growth",
        lambda i: (
            N_("published growth {value:g}% is beyond the plausible limit of ±{limit:g}%"),
            {"value": growth[i], "limit": MAX_GROWTH},
        ),
    )


def _periods(frame: pd.DataFrame, issues: _Issues) -> pd.DataFrame:
    parsed: dict[str, Period] = {}
    failures: dict[str, Reason] = {}
    for label in frame["period"].unique():
        try:
            parsed[label] = parse_period(label)
        except PeriodError as error:
            failures[label] = (
                ("{error}", {"error": str(error)}) if label else (N_("period is empty"), {})
            )
    cells = frame["period"]
    failed = cells.isin(list(failures))
    issues.add(failed, "period", lambda i: failures[cells[i]])
    return pd.DataFrame(
        {
            "period": lookup(cells, lambda k: str(parsed[k]) if k in parsed else None),
            "year": lookup(cells, lambda k: parsed[k].year if k in parsed else 0),
            "first_month": lookup(cells, lambda k: parsed[k].first_month if k in parsed else 1),
            "last_month": lookup(cells, lambda k: parsed[k].last_month if k in parsed else 1),
        },
        index=frame.index,
    )


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _vintages(frame: pd.DataFrame, default: date, issues: _Issues) -> pd.Series:
    cells = frame["vintage"]
    parsed = lookup(cells, lambda text: _iso_date(text) if text else default)
    issues.add(
        parsed.isna(),
        "vintage",
        lambda i: (N_("vintage {value!r} is not a date (YYYY-MM-DD)"), {"value": cells[i]}),
    )
    today = date.today()
    issues.add(
        lookup(cells, lambda text: bool(text) and (_iso_date(text) or today) > today).astype(bool),
        "vintage",
        lambda i: (N_("vintage {value} is in the future"), {"value": cells[i]}),
    )
    return parsed


def _deduplicate(
    staged: pd.DataFrame, file: str
) -> tuple[pd.DataFrame, list[RowIssue], list[RowIssue]]:
    """Identical repeats load once (with a warning); differing repeats are errors."""
    key = [*OBSERVATION_KEY, "vintage"]
    repeated = staged.duplicated(key, keep=False)
    if not repeated.any():
        return staged, [], []
    groups = staged[repeated].groupby(key, sort=False, dropna=False)
    amounts = groups["amount"]
    growth = groups["yoy_growth"]
    spread = (amounts.transform("max") - amounts.transform("min")).fillna(0)
    conflicting = (
        (spread > RELATIVE_TOLERANCE * amounts.transform("max").abs().fillna(0))
        | (amounts.transform("count") % amounts.transform("size") != 0)
        | (growth.transform("nunique") > 1)
        | (growth.transform("count") % growth.transform("size") != 0)
    )
    errors: list[RowIssue] = []
    for _, group in staged[repeated][conflicting].groupby(key, sort=False, dropna=False):
        lines = ", ".join(str(n) for n in group["line"])
        shown = " vs ".join(f"{row.value_text} {row.unit}" for row in group.itertuples())
        errors.extend(
            RowIssue.of(
                file,
                int(line),
                "value",
                N_("conflicting values for the same observation on lines {lines}: {shown}"),
                lines=lines,
                shown=shown,
            )
            for line in group["line"]
        )
    identical = staged[repeated][~conflicting]
    later = identical.duplicated(key, keep="first")
    first_line = identical.groupby(key, sort=False, dropna=False)["line"].transform("first")
    warnings = [
        RowIssue.of(
            file, int(line), None, N_("duplicate of line {first}; loaded once"), first=first
        )
        for line, first in zip(identical["line"][later], first_line[later], strict=True)
    ]
    drop = staged[repeated][conflicting].index.union(identical[later].index)
    return staged.drop(index=drop), errors, warnings


def _flow_consistency(
    staged: pd.DataFrame, file: str, classifications: Classifications
) -> list[RowIssue]:
    """Warn where exports plus imports differ from the total by more than rounding."""
    levels = staged[staged["measure"] != "percent"]
    if not {"export", "import", "total"} <= set(levels["flow"].unique()):
        return []
    decimals = levels["value_text"].str.extract(_DECIMALS)[0].str.len().fillna(0)
    unit_scale = lookup(levels["unit"], lambda u: classifications.unit(u).scale).astype(float)
    half_step = 0.5 * 10.0 ** (-decimals) * unit_scale
    frame = levels.assign(half_step=half_step)
    key = [c for c in (*OBSERVATION_KEY, "vintage") if c != "flow"]
    wide = frame.pivot_table(
        index=key, columns="flow", values=["amount", "half_step", "line"], aggfunc="first"
    ).dropna()
    warnings = []
    for index, row in wide.iterrows():
        total, export, imports = (row[("amount", f)] for f in ("total", "export", "import"))
        allowed = sum(row[("half_step", f)] for f in ("total", "export", "import"))
        if abs(export + imports - total) <= allowed * (1 + RELATIVE_TOLERANCE):
            continue
        category = dict(zip(key, cast(tuple[str, ...], index), strict=True))["category"]
        line = int(row[("line", "total")])
        unit = frame.loc[frame["line"] == line, "unit"].iloc[0]
        scale = classifications.unit(unit).scale
        warnings.append(
            RowIssue.of(
                file,
                line,
                "value",
                N_(
                    "exports {exports:,.6g} + imports {imports:,.6g} = {sum:,.6g} {unit} but "
                    "total is {total:,.6g} (lines {export_line}, {import_line}, {line}; "
                    "category {category})"
                ),
                exports=export / scale,
                imports=imports / scale,
                sum=(export + imports) / scale,
                unit=unit,
                total=total / scale,
                export_line=int(row[("line", "export")]),
                import_line=int(row[("line", "import")]),
                line=line,
                category=category,
            )
        )
    return warnings
