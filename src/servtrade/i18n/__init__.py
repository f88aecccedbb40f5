"""Messages in Chinese and English, from Babel message catalogs, and locale-aware numbers.

The English text is the message id; `locale/zh_CN/LC_MESSAGES/messages.po` holds the
Chinese. The language comes from ``--lang``, else ``SERVTRADE_LANG``, else ``LANG``.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from babel.lists import format_list
from babel.numbers import format_decimal

LANGUAGES = ("en", "zh")
# A context variable, so that each request of the web server has its own language.
_lang: ContextVar[str] = ContextVar("servtrade_language", default="")


def detect_language() -> str:
    for variable in ("SERVTRADE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    chosen = (lang or detect_language()).lower()
    _lang.set("zh" if chosen.startswith("zh") else "en")
    return _lang.get()


def language() -> str:
    return _lang.get() or set_language(None)


@contextmanager
def using_language(lang: str) -> Iterator[str]:
    """Work in `lang` for a while (a report in Chinese from an English session)."""
    token = _lang.set(_lang.get())
    try:
        yield set_language(lang)
    finally:
        _lang.reset(token)


def source_messages() -> dict[str, str]:
    """Every translated message of the Chinese source catalog (`messages.po`)."""
    from babel.messages.pofile import read_po

    with _catalog_file("messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and isinstance(message.id, str)
    }


class _Catalog:
    """The Chinese messages: from the compiled catalog (`messages.mo`, made by
    ``pybabel compile`` at set-up) when it is at least as new as the source, else from
    `messages.po` itself, which is slower to parse but always current."""

    def __init__(self) -> None:
        source, compiled = _catalog_file("messages.po"), _catalog_file("messages.mo")
        self._compiled: stdlib_gettext.GNUTranslations | None = None
        self._messages: dict[str, str] = {}
        if compiled.is_file() and _modified(compiled) >= _modified(source):
            with compiled.open("rb") as handle:
                self._compiled = stdlib_gettext.GNUTranslations(handle)
        else:
            self._messages = source_messages()

    def get(self, message: str) -> str | None:
        if self._compiled is None:
            return self._messages.get(message)
        found = self._compiled.gettext(message)
        return None if found is message else found  # the id itself when not in it


def _catalog_file(name: str) -> Traversable:
    return resources.files("servtrade.i18n").joinpath("locale", "zh_CN", "LC_MESSAGES", name)


def _modified(resource: Traversable) -> float:
    return os.stat(str(resource)).st_mtime


@cache
def _catalog(lang: str) -> _Catalog | dict[str, str]:
    return _Catalog() if lang == "zh" else {}


def gettext(message: str, **values: object) -> str:
    """The message in the current language, with `{name}` fields filled in."""
    text = _catalog(language()).get(message) or message
    return text.format(**values) if values else text


_ = gettext


@dataclass(frozen=True)
class Message:
    """A catalog template and its values, read in the language of whoever reads it
    (`str(message)`): a message kept with a result (a cached forecast, a plan's progress)
    is not fixed in the language of the first reader. Values that are messages read in
    that language too."""

    template: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, template: str, /, **params: object) -> Message:
        return cls(template, tuple(params.items()))

    def __str__(self) -> str:
        return gettext(self.template, **dict(self.params))


@dataclass(frozen=True)
class Named:
    """A name in both languages (a category's, a region's), read in the reader's."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.zh if language() == "zh" else self.en


@dataclass(frozen=True)
class Listing:
    """Items joined as the reader's language lists them ("A, B and C", "A、B和C"; with
    `style="or"`, "A, B or C", "A、B或C")."""

    items: tuple[object, ...]
    style: Literal["standard", "or"] = "standard"

    def __str__(self) -> str:
        items = [str(item) for item in self.items]
        return format_list(items, style=self.style, locale=babel_locale())


def inside_quotes(text: str) -> str:
    """Text to be quoted in a sentence: in Chinese its own quotation marks become the inner
    ones (“…‘十五五’…”), never “““ doubled."""
    if language() != "zh":
        return text
    return text.replace("“", "‘").replace("”", "’")


def translate_all(messages: dict[str, str]) -> dict[str, str]:
    """Each message of a table of labels in the current language, by key."""
    return {key: gettext(text) for key, text in messages.items()}


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a deferred message
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def html_language(lang: str) -> str:
    """The HTML `lang` of a page or text in `lang` (zh or en)."""
    return "zh-CN" if lang == "zh" else "en"


def declared_language(written: str, lang: str) -> str | None:
    """The HTML `lang` to declare on a text written in `written` within a page in `lang`
    (a source that gives only the other language), or None where they agree."""
    return None if written == lang else html_language(written)


def babel_locale() -> str:
    return "zh_CN" if language() == "zh" else "en"


def format_number(value: float, decimals: int = 1) -> str:
    """A number for the reader's locale; one too large for grouped digits (or not finite)
    in scientific notation, so that no value a store holds fails to print."""
    if not math.isfinite(value) or abs(value) >= 1e18:
        return f"{value:.3g}"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale())


# How a qualified figure is marked where it is shown: a bound or an approximation before
# the number, an estimate or a provisional figure after it.
QUALIFIER_MARKS = {
    "lower_bound": ("≥ ", ""),
    "upper_bound": ("≤ ", ""),
    "approximate": ("≈ ", ""),
    "estimate": ("", N_(" (est.)")),
    "provisional": ("", N_(" (prov.)")),
}
# The same in running text ("at least 1.3 trillion yuan").
QUALIFIER_WORDS = {
    "lower_bound": N_("at least {figure}"),
    "upper_bound": N_("at most {figure}"),
    "approximate": N_("about {figure}"),
    "estimate": N_("{figure} (estimate)"),
    "provisional": N_("{figure} (provisional)"),
}


def format_figure(
    value: float, decimals: int | None = None, qualifier: str = "exact", default: int = 1
) -> str:
    """A figure as published: to its published precision (`decimals` in its unit; negative
    for one rounded to tens or hundreds), else to `default` decimals, marked if it is a
    bound, an approximation, an estimate or provisional (≥ 13,000)."""
    shown = default if decimals is None else max(decimals, 0)
    if decimals is not None and decimals < 0 and math.isfinite(value):
        value = round(value, decimals)
    before, after = QUALIFIER_MARKS.get(qualifier, ("", ""))
    return f"{before}{format_number(value, shown)}{gettext(after) if after else ''}"


def figure_in_words(text: str, qualifier: str = "exact") -> str:
    """A formatted figure in running text, with its qualifier in words."""
    template = QUALIFIER_WORDS.get(qualifier)
    return gettext(template, figure=text) if template else text


# Amounts are shown in the unit that reads naturally in each language: 亿元 and 万亿元 in
# Chinese, billion and trillion in English. (scale in base units, unit name, decimals)
_AMOUNT_STEPS = {
    "zh": ((1e12, "万亿{c}", 2), (1e8, "亿{c}", 1), (1e4, "万{c}", 1), (1.0, "{c}", 0)),
    "en": (
        (1e12, "trillion {c}", 2),
        (1e9, "billion {c}", 1),
        (1e6, "million {c}", 1),
        (1.0, "{c}", 0),
    ),
}
_CURRENCY_NAMES = {"zh": {"CNY": "元", "USD": "美元"}, "en": {"CNY": "yuan", "USD": "US dollars"}}


def amount_parts(amount: float, currency: str) -> tuple[float, str, int]:
    """An amount in base units (yuan, dollars) as (number, unit words, decimals)."""
    lang = language()
    name = _CURRENCY_NAMES[lang].get(currency, currency)
    for scale, words, decimals in _AMOUNT_STEPS[lang]:
        if abs(amount) >= scale:
            return amount / scale, words.format(c=name), decimals
    scale, words, decimals = _AMOUNT_STEPS[lang][-1]
    return amount / scale, words.format(c=name), decimals


def format_amount(amount: float, currency: str) -> str:
    """`7,523,800,000,000` CNY as 7.52万亿元 or 7.52 trillion yuan."""
    number, words, decimals = amount_parts(amount, currency)
    text = format_number(number, decimals)
    return f"{text}{words}" if language() == "zh" else f"{text} {words}"
