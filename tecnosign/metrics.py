"""The process's own Prometheus metrics (prometheus-client): requests per view, database and cache timings, tasks.

The product's gauges (orders by state, outbox backlog, queue depth…) are read from the database at scrape time by
`tecnosign.observability`, which serves both at /metrics.

Several processes (gunicorn's workers, Celery's prefork children) each count on their own: with
PROMETHEUS_MULTIPROC_DIR set (an empty directory per host, emptied at each deploy), prometheus-client keeps the
values in files there and `process_registry()` adds them up, so any process answers for all of them. Without it
(`make run`, one process) the default registry is the one.
"""

import time

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess

REQUESTS = Counter(
    "tecnosign_http_requests_total", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
REQUEST_DURATION = Histogram(
    "tecnosign_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_EXCEPTIONS = Counter(
    "tecnosign_http_exceptions_total", "Unhandled exceptions in views (answered 500), by view.", ["view", "exception"]
)
DB_QUERY_DURATION = Histogram(
    "tecnosign_db_query_duration_seconds",
    "Time of each database statement, by connection alias and statement kind.",
    ["alias", "kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
CACHE_DURATION = Histogram(
    "tecnosign_cache_operation_duration_seconds",
    "Time of each shared-cache (Redis) call, by operation and outcome (ok, error, skipped while Redis is down).",
    ["operation", "outcome"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1),
)
TASKS = Counter("tecnosign_celery_tasks_total", "Celery tasks run, by task and final state.", ["task", "state"])
TASK_DURATION = Histogram(
    "tecnosign_celery_task_duration_seconds",
    "Time a Celery task ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 90),
)

UNRESOLVED_VIEW = "<unresolved>"
_STATEMENT_KINDS = {"select", "insert", "update", "delete"}


def process_registry():
    """The registry to expose: every process's values in multiprocess mode, this process's otherwise."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


# -- HTTP ---------------------------------------------------------------------------------------------------------


class RequestMetricsMiddleware:
    """Counts and times every request by the view that answered it (its URL name, never the path: ids and CPFs
    in paths would make a series per customer)."""

    def __init__(self, get_response):
        self.get_response = get_response
        instrument_database_connections()

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        view = self._view(request)
        REQUEST_DURATION.labels(view, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response

    def process_exception(self, request, exception):
        REQUEST_EXCEPTIONS.labels(self._view(request), type(exception).__name__).inc()

    @staticmethod
    def _view(request) -> str:
        match = getattr(request, "resolver_match", None)
        return (match.view_name or UNRESOLVED_VIEW) if match else UNRESOLVED_VIEW


# -- Database -----------------------------------------------------------------------------------------------------


def _statement_kind(sql) -> str:
    words = str(sql).lstrip().split(None, 1)
    kind = words[0].lower() if words else ""
    return kind if kind in _STATEMENT_KINDS else "other"


def _timed_execute(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        DB_QUERY_DURATION.labels(context["connection"].alias, _statement_kind(sql)).observe(
            time.perf_counter() - started
        )


def _instrument(connection) -> None:
    if _timed_execute not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed_execute)


def _on_connection_created(sender, connection, **kwargs) -> None:
    _instrument(connection)


def instrument_database_connections() -> None:
    """Time every statement: connections opened from now on, and those this thread has open already."""
    connection_created.connect(_on_connection_created, dispatch_uid="tecnosign-metrics-db")
    for connection in connections.all(initialized_only=True):
        _instrument(connection)


# -- Cache --------------------------------------------------------------------------------------------------------


def observe_cache(operation: str, outcome: str, seconds: float) -> None:
    CACHE_DURATION.labels(operation, outcome).observe(seconds)


# -- Celery -------------------------------------------------------------------------------------------------------


def task_started(task=None, **kwargs) -> None:
    if task is not None:
        task.request._tecnosign_metrics_started = time.perf_counter()


def task_finished(task=None, state=None, **kwargs) -> None:
    if task is None:
        return
    TASKS.labels(task.name, state or "UNKNOWN").inc()
    started = getattr(task.request, "_tecnosign_metrics_started", None)
    if started is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


def serve_worker_metrics(**kwargs) -> None:
    """worker_ready: this worker's metrics on CELERY_WORKER_METRICS_PORT (one port per worker on a host)."""
    from prometheus_client import start_http_server

    if settings.CELERY_WORKER_METRICS_PORT:
        start_http_server(settings.CELERY_WORKER_METRICS_PORT, addr="0.0.0.0", registry=process_registry())  # noqa: S104 (scraped from the monitoring network)


def connect_celery_signals() -> None:
    from celery import signals

    signals.worker_ready.connect(serve_worker_metrics, weak=False, dispatch_uid="tecnosign-metrics-serve")
    signals.worker_init.connect(
        lambda **kwargs: instrument_database_connections(), weak=False, dispatch_uid="tecnosign-metrics-db"
    )
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="tecnosign-metrics-prerun")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="tecnosign-metrics-postrun")
