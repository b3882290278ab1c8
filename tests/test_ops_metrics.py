"""Metrics: each event method moves the series an operator's dashboard reads."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import OUTCOMES, Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def _value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return _samples(metrics).get((name, frozenset(labels.items())))


def test_deliveries_are_counted_by_platform_and_outcome_with_latency() -> None:
    metrics = Metrics()
    metrics.delivery("telegram", "sent", 0.1)
    metrics.delivery("telegram", "sent", 0.3)
    metrics.delivery("discord", "rate_limited")
    assert _value(metrics, "herald_deliveries_total", platform="telegram", outcome="sent") == 2
    assert _value(metrics, "herald_deliveries_total", platform="discord", outcome="rate_limited") == 1
    assert _value(metrics, "herald_send_latency_seconds_count", platform="telegram") == 2
    assert _value(metrics, "herald_send_latency_seconds_sum", platform="telegram") == pytest.approx(0.4)
    # No latency given: the outcome counts, the histogram does not.
    assert _value(metrics, "herald_send_latency_seconds_count", platform="discord") is None


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_documented_outcome_is_accepted(outcome: str) -> None:
    metrics = Metrics()
    metrics.delivery("discord", outcome)
    assert _value(metrics, "herald_deliveries_total", platform="discord", outcome=outcome) == 1


def test_a_misspelt_outcome_is_refused_rather_than_creating_a_new_series() -> None:
    metrics = Metrics()
    with pytest.raises(ValueError, match="unknown delivery outcome"):
        metrics.delivery("telegram", "sucess")
    assert _value(metrics, "herald_deliveries_total", platform="telegram", outcome="sucess") is None


def test_rate_limit_waits_count_both_times_and_seconds() -> None:
    metrics = Metrics()
    metrics.rate_limit_wait("telegram", 1.5)
    metrics.rate_limit_wait("telegram", 3.0)
    assert _value(metrics, "herald_rate_limit_waits_total", platform="telegram") == 2
    assert _value(metrics, "herald_rate_limit_wait_seconds_total", platform="telegram") == pytest.approx(4.5)


def test_gauges_show_the_latest_state_and_forget_vanished_labels() -> None:
    metrics = Metrics()
    metrics.set_queue_length(4)
    metrics.set_subscriptions({"telegram": 3, "discord": 2})
    metrics.set_articles({"published": 10, "held": 1})
    metrics.set_connected("discord", True)
    metrics.set_connected("telegram", False)
    metrics.set_queue_length(1)
    metrics.set_subscriptions({"telegram": 5})
    metrics.set_articles({"published": 11, "held": 0})

    assert _value(metrics, "herald_queue_length") == 1
    assert _value(metrics, "herald_subscriptions", platform="telegram") == 5
    assert _value(metrics, "herald_subscriptions", platform="discord") is None
    assert _value(metrics, "herald_articles_indexed", state="published") == 11
    assert _value(metrics, "herald_articles_indexed", state="held") == 0
    assert _value(metrics, "herald_platform_connected", platform="discord") == 1
    assert _value(metrics, "herald_platform_connected", platform="telegram") == 0


def test_two_apps_in_one_process_keep_separate_counts() -> None:
    first, second = Metrics(), Metrics()
    first.delivery("telegram", "sent")
    assert _value(first, "herald_deliveries_total", platform="telegram", outcome="sent") == 1
    assert _value(second, "herald_deliveries_total", platform="telegram", outcome="sent") is None
