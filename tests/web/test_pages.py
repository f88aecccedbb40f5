"""The dashboard read in one language: every page of a Chinese session in Chinese, with no
code a machine reads (CNY_100M, digitally_deliverable_share) in either language."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from servtrade.server import Settings, create_app

PAGES = (
    "/",
    "/region/CN",
    "/region/CN-GZ",
    "/plans",
    "/plan/china-digital-trade-opinions-2024",
    "/plan/guizhou-services-digital-trade-2025",
    "/compare",
    "/opening",
    "/upload",
    "/signin",
)
# Three English words in a row: a sentence, a heading or a table head left in English.
ENGLISH_PROSE = re.compile(r"[A-Za-z][a-z]+(?:[ ,'-]+[A-Za-z][a-z]+){2,}")
# A code: a snake_case name, or a unit code such as CNY_100M.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]{3}_\w+")


@pytest.fixture(scope="module")
def client(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("pages") / "bundled.duckdb"
    shutil.copy(bundled_db, db)
    app = create_app(Settings(db=db))
    with TestClient(app) as test_client:
        yield test_client
    app.state.service.close()


def _shown_text(html: str, lang: str) -> str:
    """The page's visible text in its own language: without scripts, styles, citations of
    sources (quoted as published) and texts declared in the other language (a plan whose
    source gives only that one)."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "cite"]):
        hidden.decompose()
    for other in soup.select("[lang]"):
        if other.name != "html" and other.get("lang") != lang:
            other.decompose()
    return soup.get_text(" ", strip=True)


@pytest.mark.parametrize("page", PAGES)
def test_a_chinese_page_has_no_english_and_no_codes(client: TestClient, page: str) -> None:
    """Chart tables were headed by CSV codes (year, lo80, digitally_deliverable_share),
    units and platform kinds shown as codes (CNY_100M, hainan_free_trade_port), a basis as
    mofcom_sts, the opening measures in English, a forecast's refusal naming its series by
    codes."""
    response = client.get(page, params={"lang": "zh"})
    assert response.status_code == 200
    text = _shown_text(response.text, "zh-CN")
    assert ENGLISH_PROSE.findall(text) == []
    assert RAW_CODE.findall(text) == []


@pytest.mark.parametrize("page", PAGES)
def test_an_english_page_has_no_codes(client: TestClient, page: str) -> None:
    response = client.get(page, params={"lang": "en"})
    assert RAW_CODE.findall(_shown_text(response.text, "en")) == []
