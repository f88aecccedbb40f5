"""The opening-up register: the bundled editions and measures, the import of the official
layout (from the real measures' keywords, plus constructed edge cases), the questions
(applicable measures, edition diff, exposure of trade) from Python, the CLI and the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from servtrade.access import acting_user, add_user
from servtrade.classification import default_classifications
from servtrade.cli import app
from servtrade.opening import (
    applicable_measures,
    bundled_measures,
    doors,
    edition_diff,
    editions,
    exposure,
    measures,
    record_designation,
)
from servtrade.opening.importer import import_edition, parse_rows
from servtrade.plans import PlanError, find_plan
from servtrade.server import Settings, create_app
from servtrade.store import Store

# Real measures of the national 2024 list, as their documented Chinese keywords (not the
# official wording), under their door headings.
REAL = [
    ("一、农、林、牧、渔业", 1, "未经中国政府批准、境外个人、境外渔业船舶、中国管辖水域"),
    ("三、批发和零售业", 5, "境外个人、拍卖师、执业资格考试"),
    (
        "四、交通运输、仓储和邮政业",
        10,
        "外国船舶检验机构、验船公司、派员、船舶检验、证书、报告、无效",
    ),
    ("七、租赁和商务服务业", 46, "境外设立的经营主体、境外个人、报关业务"),
    ("八、科学研究和技术服务业", 60, "境外个人、执业兽医、资格考试、注册、备案"),
]
CONTINUATION = "（构造的续行：测试用，非官方文本）"  # constructed: a measure over two paragraphs
EMPTY_HEADING = "二、建筑业"  # constructed: a heading with no measures under it


def _official_rows() -> list[list[str]]:
    rows = [["说明"], ["一、本清单……（说明，从略）"], ["序号", "特别管理措施"]]
    for heading, number, text in REAL:
        rows.append([heading])
        rows.append([str(number), text])
        if number == 1:
            rows.append([CONTINUATION])
            rows.append([EMPTY_HEADING])
    return rows


def _text_document(path: Path) -> Path:
    lines = []
    for row in _official_rows():
        lines.append(f"{row[0]}. {row[1]}" if len(row) == 2 and row[0].isdigit() else " ".join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _html_document(path: Path) -> Path:
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in _official_rows()[2:]
    )
    path.write_text(
        f"<html><body><p>说明</p><table>{cells}</table></body></html>", encoding="utf-8"
    )
    return path


def _docx_document(path: Path) -> Path:
    document = Document()
    document.add_paragraph("说明")
    rows = _official_rows()[2:]
    table = document.add_table(rows=len(rows), cols=2)
    for index, row in enumerate(rows):
        if len(row) == 1:
            merged = table.rows[index].cells[0].merge(table.rows[index].cells[1])
            merged.text = row[0]
        else:
            table.rows[index].cells[0].text = row[0]
            table.rows[index].cells[1].text = row[1]
    document.save(str(path))
    return path


def test_bundled_editions_are_as_published() -> None:
    found = editions()
    assert {e: found[e].measures for e in found} == {
        "national-2024": 71,
        "ftz-2024": 68,
        "hainan-2021": 70,
    }
    assert found["national-2024"].in_force == "2024-04-21"
    assert found["hainan-2021"].released == "2021-07-26"
    assert sum(found["hainan-2021"].door_counts.values()) == 70
    recorded = [m.edition for m in bundled_measures()]
    assert [recorded.count(e) for e in found] == [5, 0, 8]
    national = [m.number for m in bundled_measures() if m.edition == "national-2024"]
    assert national == [1, 5, 10, 46, 60]


def test_crosswalk_names_known_categories_and_every_measure_has_a_door() -> None:
    categories = default_classifications().categories
    assert len(doors()) == 20  # GB/T 4754-2017 doors A-T
    assert all(code in categories for door in doors().values() for code in door.ebops)
    assert all(m.door in doors() for m in bundled_measures())


@pytest.mark.parametrize("maker", [_text_document, _html_document, _docx_document])
def test_official_layout_imports_and_reports_what_it_cannot_place(
    store: Store, tmp_path: Path, maker: object
) -> None:
    suffix = {"_text_document": ".txt", "_html_document": ".html", "_docx_document": ".docx"}
    name = maker.__name__  # type: ignore[attr-defined]
    path = maker(tmp_path / f"national{suffix[name]}")  # type: ignore[operator]
    result = import_edition(store, path, "national-2024", acting_user(store, "analyst"))
    assert [(m.number, m.door) for m in result.measures] == [
        (1, "A"),
        (5, "F"),
        (10, "G"),
        (46, "L"),
        (60, "M"),
    ]
    assert result.measures[0].text_zh == REAL[0][2] + CONTINUATION
    assert result.errors == []
    warnings = [i.message for i in result.issues]
    assert "a door heading with no measures under it" in warnings
    assert "numbers jump from 1 to 5" in warnings
    assert "5 measures read; the edition has 71" in warnings
    stored = [m for m in measures(store) if m.edition == "national-2024"]
    assert [m.basis for m in stored] == ["imported official text"] * 5


def test_a_measure_without_a_door_is_never_placed(store: Store) -> None:
    rows = [
        ["序号", "特别管理措施"],
        ["1", "构造的措施：上方没有门类标题（测试用）"],
        ["十二、火星业"],
    ]
    result = parse_rows(rows, editions()["national-2024"], "constructed")
    assert [i.message for i in result.errors] == [
        "heading '火星业' is not a GB/T 4754-2017 door",
        "measure 1 has no door heading above it; not placed",
    ]
    assert result.measures == []


def test_a_failed_import_stores_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("1. 构造的措施：没有门类标题（测试用）\n一、农、林、牧、渔业\n1. 重复编号\n")
    result = import_edition(store, path, "national-2024", acting_user(store, "analyst"))
    assert result.errors
    assert store.opening_measures() == []


def test_mode_4_professional_services_in_a_pilot_ftz(store: Store) -> None:
    national = applicable_measures(store, "CN-ZJ", category="SJ", mode="4")
    assert national.edition.id == "national-2024"
    # Doors whose crosswalk touches SJ: A, F, L, M (and others without measures); no. 1 has no
    # mode tag, so it is kept and counted apart; no. 10 (door G, transport) is not SJ.
    assert [m.number for m in national.measures] == [1, 5, 46, 60]
    assert national.untagged_modes == 1
    record_designation(
        store,
        "CN-GD",
        "free_trade_pilot_zone",
        "中国（广东）自由贸易试验区",
        "China (Guangdong) Pilot Free Trade Zone",
        "2015-04-20",
        "constructed test designation",
        acting_user(store, "analyst"),
    )
    ftz = applicable_measures(store, "CN-GD", category="SJ2", mode="4")
    assert (ftz.edition.id, ftz.recorded, ftz.measures) == ("ftz-2024", 0, [])
    assert any("six qualification exams" in r.text_en for r in ftz.relaxations)
    assert applicable_measures(store, "CN-HI").edition.id == "hainan-2021"


def test_what_hainan_opens_beyond_the_national_list(store: Store) -> None:
    diff = edition_diff(store, "national-2024", "hainan-2021")
    assert {r.national_number for r in diff.documented} >= {5, 10, 46, 60}
    assert len(diff.only_in_base) == 5 and len(diff.only_in_other) == 8


def test_exposure_joins_the_statistics(bundled: Store) -> None:
    found = exposure(bundled, "CN")
    assert found is not None
    # 2021 is the year with most main categories published (SC transport 16,821 and SD
    # travel 7,897 亿元 of a 52,982 total); transport (door G) is touched by no. 10.
    assert (found.period, found.categories) == ("2021", {"SC": 16821.0})
    assert found.covered == 16821.0 + 7897.0
    assert found.share == pytest.approx(16821 / 52982 * 100)


def test_tasks_point_to_platforms(store: Store, tmp_path: Path) -> None:
    text = """
id: constructed-platform-plan
title: {en: constructed test plan}
region: CN-GZ
issuer: {en: constructed}
issued: "2026"
sources: [{title: constructed test data - not a real plan}]
targets:
  - {id: t, description: {en: x}, indicator: value, comparator: ">=", value: 1,
     unit: CNY_100M, year: 2030}
tasks:
  - {id: ftz, aspect: {en: opening}, title: {en: apply for a free trade pilot zone},
     platform: free_trade_pilot_zone}
"""
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert find_plan(store, str(path)).tasks[0].platform == "free_trade_pilot_zone"
    path.write_text(text.replace("platform: free_trade_pilot_zone", "platform: moon_base"))
    with pytest.raises(PlanError):
        find_plan(store, str(path))


def test_cli_query_and_import(store: Store, tmp_path: Path) -> None:
    db = store.location
    store.close()
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["opening", "measures", "--region", "浙江", "--category", "SJ", "--mode", "4", "--db", db],
    )
    assert result.exit_code == 0, result.output
    assert "拍卖师" in result.output or "auctioneer" in result.output
    bad_mode = runner.invoke(app, ["opening", "measures", "--mode", "3", "--db", db])
    assert bad_mode.exit_code == 2
    path = _text_document(tmp_path / "national.txt")
    imported = runner.invoke(
        app, ["opening", "import", str(path), "--edition", "national-2024", "--db", db]
    )
    assert imported.exit_code == 0, imported.output
    assert "5 measures read, 0 errors" in imported.output


def test_api_answers_and_scopes_designations(bundled: Store) -> None:
    token = add_user(bundled, "gz", "editor", ["CN-GZ"])
    path = bundled.location
    bundled.close()
    application = create_app(Settings(db=path))
    with TestClient(application) as client:
        answer = client.get(
            "/api/opening/measures", params={"region": "CN", "category": "SJ", "mode": "4"}
        ).json()
        assert [m["number"] for m in answer["measures"]] == [1, 5, 46, 60]
        assert (
            client.get("/api/opening/exposure", params={"region": "CN"}).json()["period"] == "2021"
        )
        designation = {
            "kind": "free_trade_pilot_zone",
            "name_zh": "构造",
            "name_en": "constructed",
            "date": "2026-01-01",
            "source": "constructed test designation",
        }
        auth = {"Authorization": f"Bearer {token}"}
        denied = client.post(
            "/api/opening/designations", params=designation | {"region": "CN-GD"}, headers=auth
        )
        assert denied.status_code == 403
        allowed = client.post(
            "/api/opening/designations", params=designation | {"region": "CN-GZ"}, headers=auth
        )
        assert allowed.status_code == 200
        edition = client.get("/api/opening/measures", params={"region": "CN-GZ"}).json()["edition"]
        assert edition == "ftz-2024"
        page = client.get("/opening", params={"region": "CN-GZ", "category": "SJ2", "mode": "4"})
        assert page.status_code == 200
        assert "six qualification exams" in page.text
    application.state.service.close()


def test_unreadable_files_are_reported(store: Store, tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.docx"
    corrupt.write_bytes(b"not a zip archive")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("1. caf\xe9".encode("utf-16"))
    for path in (corrupt, latin):
        result = import_edition(store, path, "national-2024", acting_user(store, "analyst"))
        assert result.errors and result.errors[0].message.startswith(f"cannot read {path.name}")
    assert store.opening_measures() == []
