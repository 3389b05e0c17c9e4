"""Prometheus metrics, one registry per app (several apps in one process never collide)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.manifest import Manifest
from rag.reasons import ABSTENTIONS, Reason
from rag.types import Answer

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "newsrag_http_requests",
            "HTTP requests by route template",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "newsrag_http_request_duration_seconds",
            "Time to the end of the response (streams included)",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("newsrag_http_requests_in_flight", "Requests being served", registry=r)
        self.articles = Gauge("newsrag_index_articles", "Articles in the served index generation", registry=r)
        self.chunks = Gauge("newsrag_index_chunks", "Chunks in the served index generation", registry=r)
        self.answers = Counter("newsrag_answers", "Answers given (abstentions included)", registry=r)
        self.abstentions = Counter(
            "newsrag_abstentions", "Answers that abstained, by reason", ["reason"], registry=r
        )
        for reason in sorted(ABSTENTIONS):  # every label from the registry, at 0 until it happens
            self.abstentions.labels(reason=reason.value)

        self.generator_fallbacks = Counter(
            "newsrag_generator_fallbacks",
            "Answers given extractively because the LLM failed, timed out or sent garbage",
            registry=r,
        )

    def observe_answer(self, answer: Answer) -> None:
        self.answers.inc()
        if answer.reason == Reason.GENERATOR_UNAVAILABLE:
            self.generator_fallbacks.inc()
        if answer.abstained:
            self.abstentions.labels(reason=answer.reason or "unknown").inc()

    def render(self, manifest: Manifest | None) -> bytes:
        if manifest is not None:
            self.articles.set(manifest.articles)
            self.chunks.set(manifest.chunks)
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template ("/articles/{article_id:path}"), never the raw path.

    Requests answered before routing (unknown paths, 413 and 503 from the limits) share one label.
    """
    route = scope.get("route")
    return str(getattr(route, "path", None) or "<not routed>")


def method_label(scope: Scope) -> str:
    """The request's method if it is a standard one, else "other": label values come from a closed
    set, so that random methods cannot grow /metrics without bound."""
    method = str(scope.get("method", ""))
    return method if method in METHODS else "other"


class MetricsMiddleware:
    """Counts and times every HTTP request by (method, route template, status): closed label sets."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app raises before answering
        start = time.perf_counter()

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, recording)
        finally:
            self.metrics.in_flight.dec()
            route, method = route_template(scope), method_label(scope)
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=route).observe(time.perf_counter() - start)
