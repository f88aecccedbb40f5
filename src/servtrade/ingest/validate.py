"""Validate rows in the canonical long format and turn them into observations.

Each distinct cell value is resolved once and the answer mapped onto every row, so a
file of a million rows costs as many look-ups as it has distinct codes. Every problem
is reported with its line, column and reason; a row with any problem is set aside.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, cast

import numpy as np
import pandas as pd

from servtrade.classification import (
    EXACT,
    INEXACT,
    UNKNOWN_BASIS,
    WORLD,
    Classifications,
    Codelist,
)
from servtrade.i18n import N_, Message
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
# Published precision: decimals after the point in the value's unit; negative for a figure
# rounded to tens, hundreds... (5.98万亿元 is 59,800亿元 to the nearest hundred: -2).
MIN_DECIMALS, MAX_DECIMALS = -12, 12
# Chinese magnitude words, as multipliers of the currency unit.
_MAGNITUDES = {"万亿": 1e12, "兆": 1e12, "亿": 1e8, "万": 1e4}
_DIGITS = re.compile(r"[0-9]")
RELATIVE_TOLERANCE = 1e-9
Reason = tuple[str, dict[str, object]]  # a message template and the values that fill it
UNKNOWN = {
    "region": N_("unknown region {value!r}"),
    "flow": N_("unknown flow {value!r}"),
    "category": N_("unknown category {value!r}"),
    "partner": N_("unknown partner {value!r}"),
    "mode of supply": N_("unknown mode of supply {value!r}"),
    "basis": N_("unknown statistical basis {value!r}"),
    "qualifier": N_("unknown qualifier {value!r}"),
}
EMPTY = {
    "region": N_("region is empty"),
    "flow": N_("flow is empty"),
    "category": N_("category is empty"),
    "partner": N_("partner is empty"),
    "mode of supply": N_("mode of supply is empty"),
    "basis": N_("basis is empty"),
    "qualifier": N_("qualifier is empty"),
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
    unknown = _unknown(UNKNOWN[what], codelist)
    issues.add(
        codes.isna(),
        column,
        lambda i: (EMPTY[what], {}) if not cells[i] else unknown(cells[i]),
    )
    return codes


def _unknown(template: str, codelist: Codelist) -> Callable[[str], Reason]:
    """The reason for a label its codelist does not know, with the nearest label it does
    ("did you mean 亿元?") where one is close; worked out once per distinct label."""

    @cache
    def reason(value: str) -> Reason:
        nearest = codelist.nearest(value)
        if nearest is None:
            return template, {"value": value}
        return (
            N_("{reason}; did you mean {suggestion!r}?"),
            {"reason": Message.of(template, value=value), "suggestion": nearest},
        )

    return reason


def _parse_amount(
    text: str, units: Codelist
) -> tuple[float | None, str | None, Reason | None, str | None]:
    """(value, unit named in the cell, error, the number as written without grouping
    commas) for cells like `1,234.5` or `120亿元`."""
    match = _NUMBER_WITH_SUFFIX.match(text.strip())
    if match is None or not match[1] or match[1] in "+-":
        return None, None, (N_("value {value!r} is not a number"), {"value": text}), None
    written = match[1].replace(",", "")
    if match[2] is None:
        return float(written), None, None, written
    unit = units.resolve(match[2])
    if unit is None:
        reason: Reason = (
            N_("value {value!r} carries an unknown unit {unit!r}"),
            {"value": text, "unit": match[2]},
        )
        nearest = units.nearest(match[2])
        if nearest is not None:
            reason = (
                N_("{reason}; did you mean {suggestion!r}?"),
                {"reason": Message.of(reason[0], **reason[1]), "suggestion": nearest},
            )
        return None, None, reason, None
    return float(written), unit, None, written


def _always(reason: Reason) -> Callable[[int], Reason]:
    return lambda _row: reason


def _numbers(cells: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(cells.where(cells != ""), errors="coerce")
    return numeric.where(np.isfinite(numeric))


def without_qualifier_word(text: str, words: tuple[tuple[str, str], ...]) -> tuple[str, str | None]:
    """A value cell without the word that bounds it (突破1.3万亿元, 40%左右), and the
    qualifier that word means."""
    stripped = text.strip()
    for word, qualifier in words:
        if stripped.startswith(word):
            return stripped[len(word) :].strip(), qualifier
        if stripped.endswith(word):
            return stripped[: -len(word)].strip(), qualifier
    return stripped, None


@dataclass
class _Values:
    numbers: pd.Series  # floats, for amounts and checks
    units: pd.Series
    texts: pd.Series  # the number as written, without grouping commas, unit or qualifier
    qualifiers: pd.Series  # the qualifier a word in the cell gives, else None


def _values(
    frame: pd.DataFrame, units: pd.Series, classifications: Classifications, issues: _Issues
) -> _Values:
    cells = frame["value"]
    values = _numbers(cells)
    texts = cells.str.strip().where(values.notna())
    suffix_units = pd.Series(None, index=frame.index, dtype=object)
    qualifiers = pd.Series(None, index=frame.index, dtype=object)
    unparsed = values.isna() & (cells != "")
    words = classifications.qualifier_words
    parsed = {}
    for cell in cells[unparsed].unique():  # once per distinct cell, not per row
        number_text, qualifier = without_qualifier_word(cell, words)
        parsed[cell] = (*_parse_amount(number_text, classifications.units), qualifier)
    for index in unparsed[unparsed].index:
        number, unit, error, written, qualifier = parsed[cells[index]]
        if error is not None:
            issues.add(pd.Series({index: True}), "value", _always(error))
        else:
            values[index] = number
            suffix_units[index] = unit
            qualifiers[index] = qualifier
            texts[index] = written
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
    return _Values(values, units, texts, qualifiers)


def _decimal_text(text: object) -> str | None:
    """The number as a plain decimal (no exponent), for the store's exact DECIMAL."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return format(Decimal(text.lstrip("+")), "f")
    except InvalidOperation:
        return None


def written_decimals(text: object) -> int | None:
    """Decimals of a number as written: 2 for 5.98, 0 for 13000, -2 for 5.98e4."""
    if not isinstance(text, str) or not text:
        return None
    try:
        exponent = Decimal(text.lstrip("+")).as_tuple().exponent
    except InvalidOperation:
        return None
    return -exponent if isinstance(exponent, int) else None


@cache
def _published_form_pattern(words: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w, _ in words)
    return re.compile(
        rf"(?P<before>{alternatives})?\s*(?<![0-9.,])(?P<number>[0-9][0-9,]*(?:\.[0-9]+)?)\s*"
        r"(?P<magnitude>万亿|兆|亿|万)?(?P<currency>美元|元)?(?P<percent>%|％)?(?![0-9])"
        rf"\s*(?P<after>{alternatives})?"
    )


def published_form(
    note: str,
    amount: float,
    measure: str,
    scale: float,
    words: tuple[tuple[str, str], ...],
) -> tuple[str | None, int | None]:
    """(qualifier, decimals in the row's unit) from the note's statement of the same figure
    as published, e.g. "published as 突破1.3万亿元" beside 13,000 亿元; (None, None) when
    the note states no figure that equals the value at the note's own precision."""
    qualifier_of = dict(words)
    for found in _published_form_pattern(words).finditer(note):
        if measure == "percent":
            if not found["percent"]:
                continue
            multiplier = 1.0
        else:
            if not (found["magnitude"] or found["currency"]) or found["percent"]:
                continue
            currency = {"美元": "USD", "元": "CNY"}.get(found["currency"] or "", measure)
            if currency != measure:
                continue
            multiplier = _MAGNITUDES.get(found["magnitude"] or "", 1.0)
        number = found["number"].replace(",", "")
        decimals = written_decimals(number)
        if decimals is None:
            continue
        half_step = 0.5 * 10.0**-decimals * multiplier
        if abs(float(number) * multiplier - amount) > half_step * (1 + RELATIVE_TOLERANCE):
            continue
        word = found["before"] or found["after"]
        in_row_unit = decimals - round(math.log10(multiplier / scale))
        return (qualifier_of[word] if word else None), in_row_unit
    return None, None


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
    for column, default in (("basis", UNKNOWN_BASIS), ("qualifier", "")):
        if column not in frame:
            frame[column] = default
    frame["basis"] = frame["basis"].mask(frame["basis"] == "", UNKNOWN_BASIS)
    for column in ("yoy_growth", "source", "vintage", "note", "decimals"):
        if column not in frame:
            frame[column] = ""
    issues = _Issues(file, frame)

    codes = {
        "region": _resolve(frame, "region", classifications.regions, "region", issues),
        "flow": _resolve(frame, "flow", classifications.flows, "flow", issues),
        "category": _resolve(frame, "category", classifications.categories, "category", issues),
        "partner": _resolve(frame, "partner", classifications.regions, "partner", issues),
        "mode": _resolve(frame, "mode", classifications.modes, "mode of supply", issues),
        "basis": _resolve(frame, "basis", classifications.bases, "basis", issues),
    }
    units = lookup(
        frame["unit"], lambda value: classifications.units.resolve(value) if value else None
    )
    read = _values(frame, units, classifications, issues)
    values, units = read.numbers, read.units
    unknown_unit = _unknown(N_("unknown unit {value!r}"), classifications.units)
    issues.add(
        units.isna(),
        "unit",
        lambda i: unknown_unit(frame["unit"][i]) if frame["unit"][i] else (N_("unit is empty"), {}),
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
    qualifiers, decimals = _precision(frame, read, measure, scale, classifications, issues)

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
            "value": lookup(read.texts.loc[good], _decimal_text),
            "unit": units.loc[good],
            "amount": (values.loc[good] * scale.loc[good]).astype(float),
            "yoy_growth": growth.loc[good].astype(float),
            "qualifier": qualifiers.loc[good],
            "decimals": decimals.loc[good].astype("Int32"),
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


def _precision(
    frame: pd.DataFrame,
    read: _Values,
    measure: pd.Series,
    scale: pd.Series,
    classifications: Classifications,
    issues: _Issues,
) -> tuple[pd.Series, pd.Series]:
    """Each row's qualifier and published decimals.

    The qualifier column wins; else a word in the value cell (突破, 近, 以上...); else a word
    beside the same figure stated in the note; else exact. Decimals: the column, else the
    coarser of the value as written and the same figure as the note states it.
    """
    cells = frame["qualifier"]
    named = lookup(cells, lambda v: classifications.qualifiers.resolve(v) if v else None)
    issues.add(
        named.isna() & (cells != ""),
        "qualifier",
        lambda i: (UNKNOWN["qualifier"], {"value": cells[i]}),
    )
    issues.add(
        named.notna() & read.qualifiers.notna() & (named != read.qualifiers),
        "qualifier",
        lambda i: (
            N_("qualifier says {named} but the value {value!r} reads as {read}"),
            {"named": named[i], "value": frame["value"][i], "read": read.qualifiers[i]},
        ),
    )
    words = classifications.qualifier_words
    from_note: dict[int, tuple[str | None, int | None]] = {}
    notes = frame["note"]
    for index in notes[(notes != "") & read.numbers.notna()].index:
        from_note[index] = published_form(
            notes[index],
            float(read.numbers[index] * scale[index]),
            str(measure[index]),
            float(scale[index]),
            words,
        )
    note_qualifier = pd.Series({i: q for i, (q, _) in from_note.items()}, dtype=object)
    note_decimals = pd.Series({i: d for i, (_, d) in from_note.items()}, dtype="Float64")
    qualifiers = named.where(named.notna(), read.qualifiers)
    qualifiers = qualifiers.where(qualifiers.notna(), note_qualifier.reindex(frame.index))
    qualifiers = qualifiers.where(qualifiers.notna(), EXACT)

    written = lookup(read.texts, written_decimals).astype("Float64")
    inferred = pd.concat([written, note_decimals.reindex(frame.index)], axis=1).min(axis=1)
    given_cells = frame["decimals"]
    given = pd.to_numeric(given_cells.where(given_cells != ""), errors="coerce")
    issues.add(
        (given_cells != "")
        & (given.isna() | (given % 1 != 0) | (given < MIN_DECIMALS) | (given > MAX_DECIMALS)),
        "decimals",
        lambda i: (
            N_("decimals {value!r} is not a whole number from {low} to {high}"),
            {"value": given_cells[i], "low": MIN_DECIMALS, "high": MAX_DECIMALS},
        ),
    )
    decimals = given.where(given.notna(), inferred)
    return qualifiers, decimals.round()


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
    """Warn where exports plus imports differ from the total by more than their published
    rounding (bounds and approximations are not expected to add up)."""
    levels = staged[(staged["measure"] != "percent") & ~staged["qualifier"].isin(INEXACT)]
    if not {"export", "import", "total"} <= set(levels["flow"].unique()):
        return []
    decimals = levels["decimals"].astype("Float64").fillna(0).astype(float)
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
