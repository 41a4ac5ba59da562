"""Prometheus metrics: requests and latency by GraphQL operation, errors, and MongoDB commands."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from pymongo import monitoring
from strawberry.extensions import SchemaExtension

_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_OPERATION_NAMES = 300


class Metrics:
    """One registry per app, so tests and several apps in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "townhall_http_requests", "HTTP requests", ["path", "status"], registry=self.registry
        )
        self.operations = Counter(
            "townhall_graphql_operations",
            "GraphQL operations by name and outcome",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "townhall_graphql_operation_seconds",
            "GraphQL operation latency",
            ["operation"],
            registry=self.registry,
        )
        self.errors = Counter(
            "townhall_graphql_errors", "GraphQL errors by code", ["code"], registry=self.registry
        )
        self.db_commands = Counter(
            "townhall_mongodb_commands", "MongoDB commands", ["command", "outcome"], registry=self.registry
        )
        self._names: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        """Client-chosen names are bounded, so a hostile client cannot blow up the label set."""
        if not name:
            return "anonymous"
        if not _OPERATION_NAME.fullmatch(name):
            return "invalid"
        if name not in self._names:
            if len(self._names) >= MAX_OPERATION_NAMES:
                return "other"
            self._names.add(name)
        return name


class CommandMetrics(monitoring.CommandListener):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        return None

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._metrics.db_commands.labels(event.command_name, "ok").inc()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._metrics.db_commands.labels(event.command_name, "failed").inc()


def operation_metrics(metrics: Metrics) -> type[SchemaExtension]:
    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            yield
            context = self.execution_context
            label = metrics.operation_label(context.operation_name)
            try:
                kind = context.operation_type.value
            except Exception:  # an unparsable document has no operation type
                kind = "unknown"
            result = context.result
            errors = getattr(result, "errors", None) or []
            metrics.operations.labels(label, kind, "error" if errors else "ok").inc()
            metrics.operation_seconds.labels(label).observe(time.perf_counter() - started)
            for error in errors:
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
                metrics.errors.labels(str(code)).inc()

    return OperationMetrics
