"""Indicators checked against numbers computed by hand from the published figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from servtrade.indicators import IndicatorRequest, IndicatorValue, compute_indicators
from servtrade.ingest import ingest_file
from servtrade.periods import parse_period
from servtrade.store import Store
from tests.conftest import write_csv


def _get(
    store: Store, indicator: str, period: str, derivation: str | None = None, **request: object
) -> IndicatorValue:
    values = compute_indicators(
        store,
        IndicatorRequest(indicators=[indicator], **request),  # type: ignore[arg-type]
    )
    found = [
        v
        for v in values
        if v.period == period and (derivation is None or v.derivation == derivation)
    ]
    assert len(found) == 1, found
    return found[0]


def test_yoy_growth_2021_published_beside_computed(bundled: Store) -> None:
    # MOFCOM: 2021 total 52982亿元, 2020 total 45642.7亿元, published growth 16.1%.
    published = _get(bundled, "yoy_growth", "2021", "published", region="CN")
    computed = _get(bundled, "yoy_growth", "2021", "computed", region="CN")
    assert published.value == 16.1
    assert computed.value == pytest.approx((52982 / 45642.7 - 1) * 100)
    assert computed.value == pytest.approx(16.08, abs=0.005)


def test_growth_of_a_cumulative_period_compares_the_same_months(bundled: Store) -> None:
    # H1 2021 23774.4亿元 against H1 2020 22272.8亿元; published +6.7%.
    computed = _get(bundled, "yoy_growth", "2021-01/2021-06", "computed", region="CN")
    assert computed.value == pytest.approx((23774.4 / 22272.8 - 1) * 100)
    published = _get(bundled, "yoy_growth", "2021-01/2021-06", "published", region="CN")
    assert published.value == 6.7


def test_published_growth_is_not_replaced_by_levels(bundled: Store) -> None:
    # Jan-Jul 2024 imports published at +16.4% while the level ratio is +17.3%.
    values = compute_indicators(
        bundled,
        IndicatorRequest(
            region="CN",
            indicators=["yoy_growth"],
            flow="import",
            period_from=parse_period("2024-01/2024-07"),
            period_to=parse_period("2024-01/2024-07"),
        ),
    )
    by_derivation = {v.derivation: v.value for v in values if v.period == "2024-01/2024-07"}
    assert by_derivation["published"] == 16.4
    assert by_derivation["computed"] == pytest.approx((24976.8 / 21284.1 - 1) * 100)


def test_knowledge_intensive_share_2021(bundled: Store) -> None:
    # KIS 23258亿元 of 52982亿元 (MOFCOM); NBS published the share as 43.9%, on a basis its
    # report does not state: each is on its own basis, neither stands in for the other.
    aggregate = _get(
        bundled, "knowledge_intensive_share", "2021", "published_aggregate", region="CN"
    )
    assert aggregate.basis == "mofcom_sts"
    assert aggregate.value == pytest.approx(23258 / 52982 * 100)
    published = _get(
        bundled, "knowledge_intensive_share", "2021", "published", region="CN", basis="unknown"
    )
    assert published.value == 43.9


def test_digitally_deliverable_share_2024_from_usd_aggregate(bundled: Store) -> None:
    # 2024: digitally deliverable 4067.2亿美元 of 10565亿美元 total, two figures whose
    # sources state no basis: the share is computed on that basis only when asked for.
    share = _get(bundled, "digitally_deliverable_share", "2024", region="CN", basis="unknown")
    assert share.derivation == "published_aggregate"
    assert share.value == pytest.approx(4067.2 / 10565 * 100)


def test_share_from_complete_components_is_computed(bundled: Store) -> None:
    # June 2025 SAFE monthly BOP: all six knowledge-intensive headings, credit and debit.
    share = _get(bundled, "knowledge_intensive_share", "2025-06", region="CN", basis="bop")
    assert share.basis == "bop"
    assert share.derivation == "computed"
    assert "SF+SG+SH+SI+SJ+SK" in str(share.note)


def test_balance_2017(bundled: Store) -> None:
    # 15406.8 - 31584.3 = -16177.5亿元 (published deficit 16177.4, rounded separately).
    balance = _get(bundled, "balance", "2017", region="CN")
    assert balance.value == pytest.approx(-16177.5)
    assert balance.unit == "CNY_100M"


def test_cagr_2017_to_2024(bundled: Store) -> None:
    cagr = _get(
        bundled,
        "cagr",
        "2017..2024",
        region="CN",
        period_from=parse_period("2017"),
        period_to=parse_period("2024"),
    )
    assert cagr.value == pytest.approx(((75238 / 46991.1) ** (1 / 7) - 1) * 100)


def test_value_in_published_currency_and_conversion(bundled: Store) -> None:
    # 2024: MOFCOM's total in yuan; a total in dollars from a source that states no basis.
    # Each is used as published on its own basis; on MOFCOM's, the dollars are converted.
    since = parse_period("2024")
    usd = _get(
        bundled, "value", "2024", region="CN", unit="USD_100M", period_from=since, basis="unknown"
    )
    cny = _get(bundled, "value", "2024", region="CN", unit="CNY_100M", period_from=since)
    assert (usd.value, usd.derivation) == (10565.0, "published")
    assert (cny.value, cny.derivation, cny.basis) == (75238.0, "published", "mofcom_sts")
    converted = _get(bundled, "value", "2024", region="CN", unit="USD_100M", period_from=since)
    assert (converted.derivation, converted.basis) == ("computed", "mofcom_sts")
    # Q1 2024 only in yuan: converted at the mean of the monthly ECB cross rates.
    rate = bundled.rate_table().rate(parse_period("2024-01/2024-03"), "USD")
    q1 = _get(bundled, "value", "2024-01/2024-03", region="CN", unit="USD_100M", period_from=since)
    assert q1.derivation == "computed"
    assert q1.value == pytest.approx(18167.4 / rate.cny_per_unit)


def test_conversion_without_a_rate_is_an_error(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_csv(tmp_path / "o.csv", "CN,2002,total,S,855,亿美元,,t,2003-02-01"))
    with pytest.raises(LookupError, match="no CNY/USD exchange rate for 2002"):
        compute_indicators(store, IndicatorRequest(region="CN", unit="CNY_100M"))


def test_total_from_exports_and_imports_is_computed_published_total_kept(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(
        store,
        write_csv(
            tmp_path / "t.csv",
            "CN-GZ,2023,export,S,40,亿元,,t,2024-01-20",
            "CN-GZ,2023,import,S,50,亿元,,t,2024-01-20",
            "CN-GZ,2024,export,S,45,亿元,,t,2025-01-20",
            "CN-GZ,2024,import,S,52,亿元,,t,2025-01-20",
            "CN-GZ,2024,total,S,97.5,亿元,,t,2025-01-20",
        ),
    )
    assert _get(store, "value", "2023", region="CN-GZ").derivation == "computed"
    assert _get(store, "value", "2023", region="CN-GZ").value == 90
    published = _get(store, "value", "2024", region="CN-GZ")
    assert (published.value, published.derivation) == (97.5, "published")


def test_rca_is_a_location_quotient_against_the_nation(store: Store, tmp_path: Path) -> None:
    ingest_file(
        store,
        write_csv(
            tmp_path / "rca.csv",
            "CN-GZ,2024,export,SI,30,亿元,,t,2025-01-20",
            "CN-GZ,2024,export,S,60,亿元,,t,2025-01-20",
            "CN,2024,export,SI,5000,亿元,,t,2025-01-20",
            "CN,2024,export,S,30000,亿元,,t,2025-01-20",
        ),
    )
    rca = _get(store, "rca", "2024", region="CN-GZ", category="SI")
    assert rca.value == pytest.approx((30 / 60) / (5000 / 30000))  # = 3.0
    assert str(rca.note) == "reference CN"


def test_partner_hhi(store: Store, tmp_path: Path) -> None:
    ingest_file(
        store,
        write_csv(
            tmp_path / "p.csv",
            "CN-ZJ,2024,total,S,US,60,亿元",
            "CN-ZJ,2024,total,S,HK,30,亿元",
            "CN-ZJ,2024,total,S,JP,10,亿元",
            header="region,period,flow,category,partner,value,unit",
        ),
    )
    assert _get(store, "partner_hhi", "2024", region="CN-ZJ").value == pytest.approx(0.46)


def test_category_share_needs_a_category(bundled: Store) -> None:
    with pytest.raises(
        ValueError, match="share of total services trade needs a category other than S"
    ):
        compute_indicators(bundled, IndicatorRequest(region="CN", indicators=["share"]))


def test_travel_share_of_exports(bundled: Store) -> None:
    share = _get(bundled, "share", "2025-06", region="CN", category="SD", flow="export")
    assert 0 < share.value < 100


def test_no_float_noise_in_converted_or_computed_figures(bundled: Store) -> None:
    """January-May 2018 was published as 2.10247万亿元: 21,024.7 亿元, not
    21024.699999999997; the January-June 2019 balance is 9,333.7 - 16,790.8 = -7,457.1, not
    -7457.0999999999985."""
    request = IndicatorRequest(
        region="CN", indicators=["value", "balance"], unit="CNY_100M", skip_unconvertible=True
    )
    values = {(v.indicator, v.period): v.value for v in compute_indicators(bundled, request)}
    assert repr(values[("value", "2018-01/2018-05")]) == "21024.7"
    assert repr(values[("balance", "2019-01/2019-06")]) == "-7457.1"
    assert all(len(repr(abs(v)).replace(".", "").lstrip("0")) <= 16 for v in values.values())


def test_every_declared_indicator_is_computed_and_named() -> None:
    """One declaration per indicator (registry), one way to compute each, one name each."""
    from servtrade.indicators import _COMPUTE
    from servtrade.indicators.registry import INDICATOR_WORDS, REGISTRY, indicators_where
    from servtrade.plans.schema import INDICATORS as TARGETS

    assert list(_COMPUTE) == list(REGISTRY) == list(INDICATOR_WORDS)
    assert set(TARGETS) - set(REGISTRY) == {"untracked"}
    assert indicators_where(forecast=True) == (
        "value",
        "yoy_growth",
        "digitally_deliverable_share",
        "knowledge_intensive_share",
    )
