"""The dashboard read in one language: every page of a Chinese session in Chinese, with no
code a machine reads (CNY_100M, digitally_deliverable_share) in either language."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servtrade.server import Settings, create_app
from tests.reading import ENGLISH_PROSE, RAW_CODE, shown_text

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


@pytest.fixture(scope="module")
def client(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("pages") / "bundled.duckdb"
    shutil.copy(bundled_db, db)
    app = create_app(Settings(db=db))
    with TestClient(app) as test_client:
        yield test_client
    app.state.service.close()


@pytest.mark.parametrize("page", PAGES)
def test_a_chinese_page_has_no_english_and_no_codes(client: TestClient, page: str) -> None:
    """Chart tables were headed by CSV codes (year, lo80, digitally_deliverable_share),
    units and platform kinds shown as codes (CNY_100M, hainan_free_trade_port), a basis as
    mofcom_sts, the opening measures in English, a forecast's refusal naming its series by
    codes."""
    response = client.get(page, params={"lang": "zh"})
    assert response.status_code == 200
    text = shown_text(response.text, "zh-CN")
    assert ENGLISH_PROSE.findall(text) == []
    assert RAW_CODE.findall(text) == []


@pytest.mark.parametrize("page", PAGES)
def test_an_english_page_has_no_codes(client: TestClient, page: str) -> None:
    response = client.get(page, params={"lang": "en"})
    assert RAW_CODE.findall(shown_text(response.text, "en")) == []
