"""Messages in Chinese and English, from Babel message catalogs, and locale-aware numbers.

The English text is the message id; `locale/zh_CN/LC_MESSAGES/messages.po` holds the
Chinese. The language comes from ``--lang``, else ``SERVTRADE_LANG``, else ``LANG``.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "zh")
_state = {"lang": ""}


def detect_language() -> str:
    for variable in ("SERVTRADE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    chosen = (lang or detect_language()).lower()
    _state["lang"] = "zh" if chosen.startswith("zh") else "en"
    return _state["lang"]


def language() -> str:
    return _state["lang"] or set_language(None)


@cache
def _catalog(lang: str) -> dict[str, str]:
    if lang != "zh":
        return {}
    path = resources.files("servtrade.i18n").joinpath(
        "locale", "zh_CN", "LC_MESSAGES", "messages.po"
    )
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and isinstance(message.id, str)
    }


def gettext(message: str, **values: object) -> str:
    """The message in the current language, with `{name}` fields filled in."""
    text = _catalog(language()).get(message, message)
    return text.format(**values) if values else text


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a deferred message
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def babel_locale() -> str:
    return "zh_CN" if language() == "zh" else "en"


def format_number(value: float, decimals: int = 1) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale())
