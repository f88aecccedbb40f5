"""EBOPS 2010 categories, groupings, regions, flows, modes of supply, units, statistical
bases and the qualifiers a published figure carries.

Every codelist is a data file in `data/`; this module only loads and resolves them.
Places, groupings and bases that a user registers live in the store and are merged in
with :meth:`Classifications.extended`.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from servtrade.classification.codelist import (
    Code,
    Codelist,
    normalize_label,
    read_data_csv,
    split_aliases,
)
from servtrade.i18n import N_, figure_in_words, format_amount, format_number

__all__ = [
    "ALL_SERVICES",
    "WORLD",
    "Classifications",
    "Code",
    "Codelist",
    "UnitSpec",
    "UnknownCodeError",
    "default_classifications",
    "normalize_label",
]

ALL_SERVICES = "S"
WORLD = "W1"
CHINA = "CN"
UNKNOWN_BASIS = "unknown"
# Qualifier codes (classification/data/qualifiers.csv).
EXACT = "exact"
# Provincial-level divisions: provinces, autonomous regions, municipalities under the central
# government (Beijing, Shanghai…), compared as peers.
PROVINCIAL_KINDS = ("province", "autonomous_region", "municipality")
LOWER_BOUND = "lower_bound"
UPPER_BOUND = "upper_bound"
APPROXIMATE = "approximate"
ESTIMATE = "estimate"
PROVISIONAL = "provisional"
# Figures that are not the value itself, only a side of it or near it: they need not add up.
INEXACT = (LOWER_BOUND, UPPER_BOUND, APPROXIMATE)


@dataclass(frozen=True)
class UnitSpec:
    """A unit: what it measures (CNY, USD or percent) and its multiplier."""

    code: str
    measure: str
    scale: float


# The codelists a label can be looked up in, by the name interfaces give them.
CODE_KINDS = (N_("region"), N_("flow"), N_("category"), N_("mode"), N_("unit"), N_("basis"))


class UnknownCodeError(LookupError):
    """A label that is no code, name or alias of its codelist: one error, and one message,
    whichever interface the label came from."""

    message = N_("unknown {kind} {label}")

    def __init__(self, kind: str, label: str) -> None:
        super().__init__(f"unknown {kind} {label}")
        self.kind = kind
        self.label = label


@dataclass(frozen=True)
class Classifications:
    categories: Codelist
    regions: Codelist
    flows: Codelist
    modes: Codelist
    units: Codelist
    bases: Codelist
    qualifiers: Codelist
    # Words in Chinese releases that make a figure a bound or an approximation (突破, 近...),
    # longest first so that 将近 is read before 近; each with its qualifier code.
    qualifier_words: tuple[tuple[str, str], ...] = ()

    def code(self, kind: str, label: str) -> str:
        """The code `label` (a code, a name in Chinese or English, an alias) stands for in the
        codelist of `kind` (one of `CODE_KINDS`)."""
        codelist: Codelist = getattr(
            self, {"category": "categories", "basis": "bases"}.get(kind, kind + "s")
        )
        found = codelist.resolve(label)
        if found is None:
            raise UnknownCodeError(kind, label)
        return found

    def is_grouping(self, category: str) -> bool:
        return bool(self.categories[category].members)

    def members(self, grouping: str) -> tuple[str, ...]:
        return self.categories[grouping].members

    def main_categories(self) -> list[str]:
        """The twelve EBOPS 2010 headings SA..SL, whose sum is all services."""
        return [c.code for c in self.categories if c.parent == ALL_SERVICES and not c.members]

    def groupings(self) -> list[Code]:
        return [c for c in self.categories if c.members]

    def unit(self, code: str) -> UnitSpec:
        entry = self.units[code]
        return UnitSpec(code=code, measure=entry.kind, scale=float(entry.note))

    def extended(
        self,
        places: Iterable[Code] = (),
        groupings: Iterable[Code] = (),
        bases: Iterable[Code] = (),
    ) -> Classifications:
        """A copy that also knows the user's registered places, groupings and bases."""
        regions = self.regions.copy()
        for place in places:
            if place.parent is not None and place.parent not in regions:
                raise ValueError(f"unknown parent region {place.parent!r} of {place.code!r}")
            regions.add(place)
        categories = self.categories.copy()
        for grouping in groupings:
            unknown = [m for m in grouping.members if m not in categories]
            if unknown:
                raise ValueError(f"grouping {grouping.code!r} has unknown members {unknown}")
            categories.add(grouping)
        known_bases = self.bases.copy()
        for basis in bases:
            known_bases.add(basis)
        return replace(self, regions=regions, categories=categories, bases=known_bases)


def _code(row: dict[str, str], code_column: str = "code", **details: Any) -> Code:
    """A code from a row of a codelist file (code, English and Chinese name, aliases)."""
    return Code(
        row[code_column],
        row["name_en"],
        row["name_zh"],
        split_aliases(row.get("aliases")),
        **details,
    )


def _simple_codelist(list_id: str, filename: str) -> Codelist:
    codelist = Codelist(list_id)
    for row in read_data_csv(filename):
        codelist.add(_code(row))
    return codelist


def _categories() -> Codelist:
    categories = Codelist("category")
    for row in read_data_csv("ebops2010.csv"):
        categories.add(_code(row, parent=row["parent"] or None, kind="ebops2010"))
    for row in read_data_csv("groupings.csv"):
        categories.add(
            _code(
                row,
                "grouping",
                kind="grouping",
                members=split_aliases(row["members"]),
                note=row["definition_source"],
            )
        )
    return categories


def _country_names_zh() -> gettext.NullTranslations:
    import pycountry

    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:  # pragma: no cover - pycountry always ships zh_CN
        return gettext.NullTranslations()


def _regions() -> Codelist:
    import pycountry  # its tables load when the regions are first needed

    regions = Codelist("region")
    regions.add(Code(WORLD, "World", "世界", ("world", "全球", "all partners"), kind="world"))
    zh = _country_names_zh()
    extra_aliases = {CHINA: ("全国", "中华人民共和国", "national", "China (national)")}
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        names = {country.name, getattr(country, "common_name", country.name)}
        names.add(getattr(country, "official_name", country.name))
        aliases = tuple(sorted(n for n in names if n != country.name))
        regions.add(
            Code(
                country.alpha_2,
                getattr(country, "common_name", country.name),
                zh.gettext(country.name),
                (*aliases, country.alpha_3, *extra_aliases.get(country.alpha_2, ())),
                parent=WORLD,
                kind="country",
            )
        )
    for row in read_data_csv("provinces.csv"):
        regions.add(
            Code(
                row["code"],
                row["name_en"],
                row["name_zh"],
                (row["short_zh"],),
                parent=CHINA,
                kind=row["kind"],
            )
        )
    return regions


def _units() -> Codelist:
    units = Codelist("unit")
    for row in read_data_csv("units.csv"):
        units.add(_code(row, kind=row["measure"], note=row["scale"]))
    return units


def _qualifier_words() -> tuple[tuple[str, str], ...]:
    words = [
        (word, row["code"])
        for row in read_data_csv("qualifiers.csv")
        for word in split_aliases(row["words"])
    ]
    return tuple(sorted(words, key=lambda w: -len(w[0])))


@cache
def default_classifications() -> Classifications:
    return Classifications(
        categories=_categories(),
        regions=_regions(),
        flows=_simple_codelist("flow", "flows.csv"),
        modes=_simple_codelist("mode", "modes.csv"),
        units=_units(),
        bases=_simple_codelist("basis", "bases.csv"),
        qualifiers=_simple_codelist("qualifier", "qualifiers.csv"),
        qualifier_words=_qualifier_words(),
    )


def amount_text(
    value: float, unit: str, classifications: Classifications, qualifier: str = EXACT
) -> str:
    """A level in its unit as locale words (亿元, billion yuan), percents as `n%`; a bound
    or an approximation says so ("at least 1.3 trillion yuan", 约40.0%)."""
    spec = classifications.unit(unit)
    if spec.measure == "percent":
        return figure_in_words(format_number(value, 1) + "%", qualifier)
    return figure_in_words(format_amount(value * spec.scale, spec.measure), qualifier)
