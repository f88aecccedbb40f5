"""What a reader sees of a page or a report in its language, and the two things a page in
one language must not show: prose in English and codes meant for machines."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

# Three English words in a row: a sentence, a heading or a table head left in English.
ENGLISH_PROSE = re.compile(r"[A-Za-z][a-z]+(?:[ ,'-]+[A-Za-z][a-z]+){2,}")
# A code: a snake_case name, or a unit code such as CNY_100M.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]{3}_\w+")


def shown_text(html: str, lang: str) -> str:
    """The body's visible text in the document's language `lang` (an HTML lang value):
    without scripts, styles, drawings, citations of sources (quoted as published) and texts
    declared in the other language (a plan whose source gives only that one)."""
    soup = BeautifulSoup(html, "html.parser")
    body = soup.body or soup
    for hidden in body(["script", "style", "svg", "cite"]):
        hidden.decompose()
    for other in body.select("[lang]"):
        if other.get("lang") != lang:
            other.decompose()
    return body.get_text(" ", strip=True)
