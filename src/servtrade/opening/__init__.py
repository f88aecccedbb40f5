"""The opening-up register: negative lists for cross-border trade in services, their
measures, the pilot platforms places hold, and the questions officials ask of them.

Editions, a partial set of documented measures, the differences sources report between
editions, the GB/T 4754-2017 door → EBOPS 2010 crosswalk and the designations ship as data
in `servtrade/data/opening/` (see its README); imported official texts and designations a
user records live in the store and take precedence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, get_args

import yaml

from servtrade.access import User, authorise_region, region_ancestry
from servtrade.classification import Classifications
from servtrade.i18n import gettext
from servtrade.indicators.summary import level_values
from servtrade.periods import parse_period
from servtrade.plans import Plan, plan_catalog, task_states
from servtrade.plans.schema import PlatformKind
from servtrade.store import Store

MODES = ("1", "2", "4")  # mode 3 is outside these lists (their note 2)
DESIGNATION_KINDS: tuple[str, ...] = get_args(PlatformKind)
EDITION_FOR_SCOPE = {
    "hainan_free_trade_port": "hainan-2021",
    "free_trade_pilot_zone": "ftz-2024",
}
NATIONAL = "national-2024"


@dataclass(frozen=True)
class Door:
    code: str
    name_zh: str
    name_en: str
    ebops: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Edition:
    id: str
    title_zh: str
    title_en: str
    issuer: str
    order: str
    released: str
    in_force: str
    scope: str
    measures: int
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    door_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Measure:
    edition: str
    number: int | None
    door: str
    text_zh: str
    text_en: str
    modes: tuple[str, ...]
    restriction: str
    nature: str
    source: str
    basis: str = ""  # how number, door and tags are known

    def as_dict(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "number": self.number,
            "door": self.door,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "modes": list(self.modes),
            "restriction": self.restriction,
            "nature": self.nature,
            "source": self.source,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Relaxation:
    """A documented way an edition opens beyond the national list."""

    edition: str
    doors: tuple[str, ...]
    national_number: int | None
    text_zh: str
    text_en: str
    source: str


@dataclass(frozen=True)
class Designation:
    region: str
    kind: str
    name_zh: str
    name_en: str
    date: str
    source: str


def _data(name: str) -> str:
    return resources.files("servtrade.data").joinpath("opening", name).read_text("utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_data(name).splitlines()))


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p for p in cell.split("|") if p)


@cache
def doors() -> dict[str, Door]:
    return {
        r["door"]: Door(
            r["door"], r["name_zh"], r["name_en"], _split(r["ebops"]), r["crosswalk_basis"]
        )
        for r in _rows("doors.csv")
    }


@cache
def editions() -> dict[str, Edition]:
    found = {}
    for entry in yaml.safe_load(_data("editions.yaml")):
        found[entry["id"]] = Edition(
            id=entry["id"],
            title_zh=entry["title"]["zh"],
            title_en=entry["title"]["en"],
            issuer=entry["issuer"]["en"],
            order=entry["order"],
            released=entry["released"],
            in_force=entry["in_force"],
            scope=entry["scope"],
            measures=int(entry["measures"]),
            notes=tuple(entry.get("notes", ())),
            sources=tuple(entry.get("sources", ())),
            door_counts=dict(entry.get("door_counts", {})),
        )
    return found


@cache
def sources() -> dict[str, tuple[str, str]]:
    return {r["id"]: (r["title"], r["url"]) for r in _rows("sources.csv")}


def bundled_measures() -> list[Measure]:
    return [
        Measure(
            edition=r["edition"],
            number=int(r["number"]) if r["number"] else None,
            door=r["door"],
            text_zh=r["keywords_zh"],
            text_en=r["summary_en"],
            modes=_split(r["modes"]),
            restriction=r["restriction"],
            nature=r["nature"],
            source=r["source"],
            basis="; ".join(
                part
                for part in (
                    f"number: {r['number_basis']}",
                    f"door: {r['door_basis']}",
                    f"modes: {r['modes_basis']}" if r["modes_basis"] else "",
                    "text: keywords and paraphrase, not the official wording",
                )
                if part
            ),
        )
        for r in _rows("measures.csv")
    ]


def relaxations() -> list[Relaxation]:
    return [
        Relaxation(
            r["edition"],
            _split(r["door"]),
            int(r["national_number"]) if r["national_number"] else None,
            r["keywords_zh"],
            r["summary_en"],
            r["source"],
        )
        for r in _rows("relaxations.csv")
    ]


def measures(store: Store) -> list[Measure]:
    """Every known measure: an edition imported into the store replaces its bundled ones."""
    imported = store.opening_measures()
    replaced = {m["edition"] for m in imported}
    found = [m for m in bundled_measures() if m.edition not in replaced]
    found += [
        Measure(
            edition=m["edition"],
            number=m["number"],
            door=m["door"],
            text_zh=m["text_zh"],
            text_en=m["text_en"] or "",
            modes=_split(m["modes"] or ""),
            restriction=m["restriction"] or "",
            nature=m["nature"] or "",
            source=m["source"],
            basis="imported official text",
        )
        for m in imported
    ]
    return sorted(found, key=lambda m: (m.edition, m.number or 10_000, m.door))


def designations(store: Store) -> list[Designation]:
    bundled = [Designation(**r) for r in _rows("designations.csv")]
    return bundled + [Designation(*row) for row in store.designations()]


def record_designation(
    store: Store,
    region: str,
    kind: str,
    name_zh: str,
    name_en: str,
    day: str,
    source: str,
    user: User,
) -> str:
    """Validate and store a place's designation as `user`'s change (an editor of the place,
    or an admin); returns the region code."""
    code = store.classifications().regions.resolve(region)
    if code is None:
        raise ValueError(f"unknown region {region!r}")
    authorise_region(user, code, store.classifications())
    if kind not in DESIGNATION_KINDS:
        raise ValueError(gettext("kind must be one of {kinds}", kinds=", ".join(DESIGNATION_KINDS)))
    date.fromisoformat(day)  # raises ValueError for a date that is not YYYY-MM-DD
    if not source.strip() or not (name_zh.strip() or name_en.strip()):
        raise ValueError("a designation needs a name and a source")
    store.add_designation(code, kind, name_zh, name_en, day, source, user.name)
    return code


def platform_tasks(store: Store, region: str) -> list[tuple[Plan, str, str, str]]:
    """(plan, task id, platform kind, status) of the region's tasks that aim at a platform."""
    found: list[tuple[Plan, str, str, str]] = []
    for plan in plan_catalog(store).values():
        if plan.region != region:
            continue
        for state in task_states(store, plan):
            if state.task.platform is not None:
                found.append((plan, state.task.id, state.task.platform, state.status))
    return found


def edition_for_place(store: Store, region: str, classifications: Classifications) -> str:
    """Hainan's edition in Hainan, the FTZ edition in a place inside a pilot FTZ (or
    holding one), else the national list."""
    ancestry = set(region_ancestry(region, classifications))
    held = {d.kind for d in designations(store) if d.region in ancestry}
    for kind in ("hainan_free_trade_port", "free_trade_pilot_zone"):
        if kind in held:
            return EDITION_FOR_SCOPE[kind]
    return NATIONAL


def doors_for_category(category: str, classifications: Classifications) -> set[str]:
    """The doors whose crosswalk touches an EBOPS category (itself, its parent or children)."""
    related = {category}
    code = classifications.categories.codes.get(category)
    if code is not None and code.parent:
        related.add(code.parent)
    related |= {c.code for c in classifications.categories if c.parent == category}
    return {d.code for d in doors().values() if related & set(d.ebops)}


@dataclass
class Applicable:
    edition: Edition
    measures: list[Measure]
    untagged_modes: int
    relaxations: list[Relaxation]
    recorded: int


def applicable_measures(
    store: Store,
    region: str,
    *,
    category: str | None = None,
    door: str | None = None,
    mode: str | None = None,
) -> Applicable:
    """The measures of the place's edition for a service (EBOPS category or door) and mode.

    A measure whose modes are not tagged is kept (it may apply) and counted apart."""
    classifications = store.classifications()
    edition = editions()[edition_for_place(store, region, classifications)]
    wanted = (
        {door} if door else (doors_for_category(category, classifications) if category else None)
    )
    of_edition = [m for m in measures(store) if m.edition == edition.id]
    chosen = [
        m
        for m in of_edition
        if (wanted is None or m.door in wanted) and (mode is None or not m.modes or mode in m.modes)
    ]
    notes = [
        r
        for r in relaxations()
        if r.edition == edition.id and (wanted is None or wanted & set(r.doors))
    ]
    return Applicable(
        edition, chosen, sum(1 for m in chosen if not m.modes), notes, len(of_edition)
    )


@dataclass
class EditionDiff:
    base: str
    other: str
    only_in_base: list[Measure]
    only_in_other: list[Measure]
    in_both: list[tuple[Measure, Measure]]
    documented: list[Relaxation]


def _same(a: Measure, b: Measure) -> bool:
    key_a = "".join(a.text_zh.split())
    key_b = "".join(b.text_zh.split())
    return a.door == b.door and bool(key_a) and key_a == key_b


def edition_diff(store: Store, base: str, other: str) -> EditionDiff:
    """Measure by measure: what `other` lifts (only in base), adds, and keeps; with the
    differences sources document where the measure texts are not recorded."""
    known = measures(store)
    left = [m for m in known if m.edition == base]
    right = [m for m in known if m.edition == other]
    pairs = [(a, b) for a in left for b in right if _same(a, b)]
    kept_left = {id(a) for a, _b in pairs}
    kept_right = {id(b) for _a, b in pairs}
    documented = [r for r in relaxations() if r.edition == other] if base == NATIONAL else []
    return EditionDiff(
        base,
        other,
        [a for a in left if id(a) not in kept_left],
        [b for b in right if id(b) not in kept_right],
        pairs,
        documented,
    )


@dataclass
class Exposure:
    region: str
    period: str
    edition: str
    total: float
    covered: float  # the part of the total published by category
    touched: float
    unit: str
    categories: dict[str, float]

    @property
    def share(self) -> float:
        """% of total services trade in categories a measure touches (a lower bound when
        the categories published do not cover the total)."""
        return self.touched / self.total * 100 if self.total else 0.0


def exposure(store: Store, region: str, period: str | None = None) -> Exposure | None:
    """How much of the region's services trade is in EBOPS main categories that a measure
    of its edition touches, for the full year with the most categories published."""
    classifications = store.classifications()
    edition = edition_for_place(store, region, classifications)
    touched_doors = {m.door for m in measures(store) if m.edition == edition}
    touched = {e for d in touched_doors for e in doors()[d].ebops}
    main = classifications.main_categories()
    by_category = {
        c: {
            p: v
            for p, v in level_values(store, region, "value", "total", c, None).items()
            if parse_period(p).kind == "annual"
        }
        for c in ["S", *main]
    }
    candidates = []
    for year, total in by_category["S"].items():
        if period is not None and year != period:
            continue
        values = {
            c: by_category[c][year].value
            for c in main
            if year in by_category[c] and by_category[c][year].unit == total.unit
        }
        if values:
            candidates.append((len(values), int(year), year, total.value, total.unit, values))
    if not candidates:
        return None
    _count, _year, year, total_value, unit, values = max(candidates)
    hit = {c: v for c, v in values.items() if c in touched}
    return Exposure(
        region, year, edition, total_value, sum(values.values()), sum(hit.values()), unit, hit
    )
