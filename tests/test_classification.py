from __future__ import annotations

import pytest

from servtrade.classification import Code, default_classifications


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("贵州", "CN-GZ"),
        ("贵州省", "CN-GZ"),
        ("Guizhou", "CN-GZ"),
        ("CN-GZ", "CN-GZ"),
        ("广东省", "CN-GD"),
        ("Henan", "CN-HA"),
        ("中国", "CN"),
        ("全国", "CN"),
        ("United States", "US"),
        ("美国", "US"),
        ("World", "W1"),
    ],
)
def test_region_aliases_resolve(label: str, code: str) -> None:
    assert default_classifications().regions.resolve(label) == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("电信、计算机和信息服务", "SI"),
        ("电信计算机和信息服务", "SI"),  # MOFCOM drops the 顿号
        ("个人文化和娱乐服务", "SK"),
        ("保险和养老金服务", "SF"),  # SAFE wording
        ("保险服务", "SF"),  # MOFCOM wording
        ("建设", "SE"),
        ("建筑", "SE"),
        ("Travel", "SD"),
        ("knowledge-intensive services", "knowledge_intensive"),
        ("可数字化交付的服务", "digitally_deliverable"),
        ("服务进出口", "S"),
    ],
)
def test_category_names_in_both_languages_resolve(label: str, code: str) -> None:
    assert default_classifications().categories.resolve(label) == code


def test_twelve_main_categories() -> None:
    main = default_classifications().main_categories()
    assert main == ["SA", "SB", "SC", "SD", "SE", "SF", "SG", "SH", "SI", "SJ", "SK", "SL"]


def test_official_groupings_are_the_six_headings_and_a_variant_differs() -> None:
    c = default_classifications()
    six = ("SF", "SG", "SH", "SI", "SJ", "SK")
    assert c.members("digitally_deliverable") == six
    assert c.members("knowledge_intensive") == six
    assert c.members("digitally_deliverable_sk1") == ("SF", "SG", "SH", "SI", "SJ", "SK1")


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("X", "export"),
        ("credit", "export"),
        ("出口", "export"),
        ("M", "import"),
        ("debit", "import"),
        ("进口", "import"),
        ("T", "total"),
        ("进出口", "total"),
    ],
)
def test_flow_aliases(label: str, code: str) -> None:
    assert default_classifications().flows.resolve(label) == code


@pytest.mark.parametrize(
    ("label", "code", "scale"),
    [
        ("亿元", "CNY_100M", 1e8),
        ("万元", "CNY_10K", 1e4),
        ("亿美元", "USD_100M", 1e8),
        ("万亿元", "CNY_TN", 1e12),
        ("USD_MN", "USD_MN", 1e6),
        ("%", "percent", 1.0),
    ],
)
def test_units_chinese_spellings(label: str, code: str, scale: float) -> None:
    c = default_classifications()
    assert c.units.resolve(label) == code
    assert c.unit(code).scale == scale


def test_modes() -> None:
    modes = default_classifications().modes
    assert [m.code for m in modes] == ["1", "2", "3", "4", "ALL"]


def test_extended_places_need_a_known_parent() -> None:
    c = default_classifications()
    guiyang = Code("CN-GZ-GY", "Guiyang", "贵阳市", ("贵阳",), parent="CN-GZ", kind="city")
    extended = c.extended(places=[guiyang])
    assert extended.regions.resolve("贵阳") == "CN-GZ-GY"
    assert c.regions.resolve("贵阳") is None  # the default is untouched
    with pytest.raises(ValueError, match="unknown parent"):
        c.extended(places=[Code("X-1", "X", "X", parent="NOPE")])


def test_grouping_members_must_exist() -> None:
    with pytest.raises(ValueError, match="unknown members"):
        default_classifications().extended(
            groupings=[Code("bad", "Bad", "坏", members=("SF", "ZZ"))]
        )
