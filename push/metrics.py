"""Prometheus figures of push delivery: sent, failed by reason, retries, queue lag, in flight."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Reasons are FCM's codes; anything else is counted as OTHER, so the label set stays bounded.
KNOWN_REASONS = frozenset(
    {
        "UNREGISTERED",
        "SENDER_ID_MISMATCH",
        "INVALID_ARGUMENT",
        "QUOTA_EXCEEDED",
        "RESOURCE_EXHAUSTED",
        "UNAVAILABLE",
        "INTERNAL",
        "DEADLINE_EXCEEDED",
        "THIRD_PARTY_AUTH_ERROR",
        "UNAUTHENTICATED",
        "PERMISSION_DENIED",
        "NOT_FOUND",
        "UNKNOWN",
        "INVALID_MESSAGE",
        "ABANDONED",
    }
)


def reason_label(code: str | None) -> str:
    return code if code in KNOWN_REASONS else "OTHER"


class DeliveryMetrics:
    """One registry per worker (pass the process's registry to expose them with the others)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.sent = Counter("townhall_push_sent", "Pushes FCM accepted", registry=self.registry)
        self.failed = Counter(
            "townhall_push_failed",
            "Pushes given up, by reason (a dead token drops them; other errors fail them)",
            ["reason"],
            registry=self.registry,
        )
        self.retries = Counter(
            "townhall_push_retries", "Pushes to be tried again, by reason", ["reason"], registry=self.registry
        )
        self.queue_lag = Gauge(
            "townhall_push_queue_lag_seconds",
            "How long the longest-waiting due delivery has waited",
            registry=self.registry,
        )
        self.in_flight = Gauge("townhall_push_in_flight", "Deliveries being sent now", registry=self.registry)
        self.batch_seconds = Histogram(
            "townhall_push_batch_seconds", "Time to send one batch to FCM", registry=self.registry
        )
