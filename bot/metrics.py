"""Prometheus metrics: one `Metrics` object per app, owning its own registry.

There is no global registry (prometheus_client's default is module-level state): the composition
root builds a `Metrics`, hands it to whatever records events, and the health server renders it at
`/metrics`. Tests build a fresh one each.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

OUTCOMES = (
    "sent", "failed", "retried", "rate_limited", "deactivated", "migrated", "plain_fallback",
    "edited", "deleted", "dropped",  # edits and deletions of messages already sent (`bot.delivery.edits`)
)
# Bot API and Discord REST calls take ~50 ms–1 s; the top buckets catch retried uploads.
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Herald's counters and gauges, named for the events that move them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._articles = Gauge(
            "herald_articles_indexed", "Articles in the index, by state.", ["state"], registry=r
        )
        self._deliveries = Counter(
            "herald_deliveries", "Message deliveries by platform and outcome.", ["platform", "outcome"], registry=r
        )
        self._latency = Histogram(
            "herald_send_latency_seconds",
            "Time to send one message.",
            ["platform"],
            buckets=SEND_BUCKETS,
            registry=r,
        )
        self._waits = Counter(
            "herald_rate_limit_waits", "Times a send waited for a rate limit.", ["platform"], registry=r
        )
        self._wait_seconds = Counter(
            "herald_rate_limit_wait_seconds", "Seconds spent waiting for rate limits.", ["platform"], registry=r
        )
        self._ambiguous = Counter(
            "herald_ambiguous_sends",
            "Sends that timed out after the request was written: they may or may not have arrived.",
            ["platform"],
            registry=r,
        )
        self._queue = Gauge("herald_queue_length", "Broadcasts waiting in the queue.", registry=r)
        self._subscriptions = Gauge(
            "herald_subscriptions", "Active subscriptions, by platform.", ["platform"], registry=r
        )
        self._connected = Gauge(
            "herald_platform_connected", "1 when the platform is connected, else 0.", ["platform"], registry=r
        )
        self._disabled = Gauge(
            "herald_targets_disabled",
            "Configured channels (HERALD_CHANNELS) disabled because the bot cannot post there, by platform.",
            ["platform"],
            registry=r,
        )

        self._replicas = Gauge(
            "herald_replicas_live", "Live Herald replicas on this database, as this replica sees them.", registry=r
        )
        self._roles = Gauge(
            "herald_role_held", "1 when this replica holds the role (a platform's receiver, the scheduler).",
            ["role"], registry=r,
        )
        self._leadership = Counter(
            "herald_leadership_changes", "Times this replica took a role from nobody or from another replica.",
            ["role"], registry=r,
        )

    def delivery(self, platform: str, outcome: str, latency: float | None = None) -> None:
        """Count one delivery attempt's outcome, and its send latency when given."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown delivery outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        self._deliveries.labels(platform=platform, outcome=outcome).inc()
        if latency is not None:
            self._latency.labels(platform=platform).observe(latency)

    def rate_limit_wait(self, platform: str, seconds: float) -> None:
        """Count one wait imposed by a rate limit and how long it lasted."""
        self._waits.labels(platform=platform).inc()
        self._wait_seconds.labels(platform=platform).inc(max(0.0, seconds))

    def ambiguous_send(self, platform: str) -> None:
        """Count one send whose outcome is unknown (recorded as sent, not sent again)."""
        self._ambiguous.labels(platform=platform).inc()

    def set_queue_length(self, n: int) -> None:
        """Record how many broadcasts are queued."""
        self._queue.set(n)

    def set_subscriptions(self, counts: Mapping[str, int]) -> None:
        """Record active subscriptions per platform (platforms absent from `counts` are dropped)."""
        _replace(self._subscriptions, counts)

    def set_articles(self, counts: Mapping[str, int]) -> None:
        """Record indexed articles per state (states absent from `counts` are dropped)."""
        _replace(self._articles, counts)

    def set_disabled_targets(self, counts: Mapping[str, int]) -> None:
        """Record disabled configured channels per platform (absent platforms are dropped)."""
        _replace(self._disabled, counts)

    def set_connected(self, platform: str, connected: bool) -> None:
        """Record whether a platform is connected."""
        self._connected.labels(platform=platform).set(1 if connected else 0)

    def set_replicas(self, n: int) -> None:
        """Record how many replicas are live."""
        self._replicas.set(n)

    def set_role(self, role: str, *, held: bool) -> None:
        """Record whether this replica holds `role`."""
        self._roles.labels(role=role).set(1 if held else 0)

    def leadership_change(self, role: str) -> None:
        """Count one taking of `role` by this replica."""
        self._leadership.labels(role=role).inc()

    def render(self) -> bytes:
        """Return every metric in the Prometheus text exposition format."""
        return generate_latest(self.registry)


def _replace(gauge: Gauge, counts: Mapping[str, int]) -> None:
    # Clearing first drops label values that no longer exist (a state that emptied, a platform
    # that was switched off); rendering happens on the same event loop, so no scrape sees a gap.
    gauge.clear()
    for label, value in counts.items():
        gauge.labels(label).set(value)
