"""A codelist: codes with bilingual names and the spellings that official releases use."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from servtrade.i18n import Named

_SPACES = re.compile(r"\s+")


def normalize_label(text: str) -> str:
    """Fold a label so that width, case, spacing and the enumeration comma do not matter.

    Chinese releases alternate between full-width and half-width punctuation and
    drop the 顿号 (、) at will; English ones vary in case and commas.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    folded = folded.replace("、", ",").replace("，", ",")
    folded = _SPACES.sub(" ", folded)
    return folded.replace(", ", ",").replace(" ,", ",")


@dataclass(frozen=True)
class Code:
    code: str
    name_en: str
    name_zh: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    kind: str = ""
    members: tuple[str, ...] = ()
    note: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    @property
    def named(self) -> Named:
        """Its name in the language of whoever reads it (for a message kept for later)."""
        return Named(self.name_en, self.name_zh)


@dataclass
class Codelist:
    """Codes in order, with every name and alias resolving to its code."""

    id: str
    codes: dict[str, Code] = field(default_factory=dict)
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    _shown: dict[str, str] = field(default_factory=dict, repr=False)  # key -> label as given

    def add(self, code: Code) -> None:
        if code.code in self.codes:
            raise ValueError(f"{self.id}: duplicate code {code.code!r}")
        for label in (code.code, code.name_en, code.name_zh, *code.aliases):
            key = normalize_label(label)
            if not key:
                continue
            taken = self._index.get(key)
            if taken is not None and taken != code.code:
                raise ValueError(
                    f"{self.id}: label {label!r} of {code.code!r} already names {taken!r}"
                )
            self._index[key] = code.code
            self._shown.setdefault(key, label)
        self.codes[code.code] = code

    def resolve(self, label: str) -> str | None:
        """The code that `label` names, or None. Exact codes win over aliases."""
        stripped = label.strip()
        if stripped in self.codes:
            return stripped
        return self._index.get(normalize_label(stripped))

    def nearest(self, label: str) -> str | None:
        """The code, name or alias closest to a label that names none (亿圆 → 亿元), for a
        "did you mean" hint; None when nothing is close."""
        key = normalize_label(label)
        if len(key) < 2:
            return None
        # One character in two differs in 亿圆; longer labels must share more to be close.
        cutoff = 0.5 if len(key) == 2 else 0.7
        found = difflib.get_close_matches(key, self._index, n=1, cutoff=cutoff)
        return self._shown[found[0]] if found else None

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def name_of(self, code: str, lang: str) -> str:
        """A code's name in `lang`, or the code itself where the list has none (a derived
        flow such as the balance)."""
        return self.codes[code].name(lang) if code in self.codes else code

    def __getitem__(self, code: str) -> Code:
        return self.codes[code]

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def copy(self) -> Codelist:
        clone = Codelist(self.id)
        clone.codes = dict(self.codes)
        clone._index = dict(self._index)
        clone._shown = dict(self._shown)
        return clone


def split_aliases(cell: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (cell or "").split("|") if a.strip())


def read_data_csv(name: str) -> list[dict[str, str]]:
    """Rows of a CSV shipped in `servtrade/classification/data`."""
    text = resources.files("servtrade.classification").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))
