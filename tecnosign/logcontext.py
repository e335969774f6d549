"""Who and what a log line is about: the request id, the order number, the staff user — in the web and in tasks.

`RequestContextMiddleware` takes the request id from an incoming X-Request-ID (a proxy's or the client's, when it
looks like an id) or makes one, returns it in the response's X-Request-ID header and logs one line per request
(`tecnosign.request`). The order number comes from the URL (`<number>`), the user id only for staff (a customer's
id says nothing an operator needs and would link lines to a person). The values live in context variables, so
`RequestContextFilter` adds them to every record logged while the request runs, from any module.

Tasks: `before_task_publish` copies the values into the message's headers, `task_prerun` puts them back in the
worker's context (and logs `tecnosign.task` lines when the task starts and ends), `task_postrun` clears them. So a
request's lines and those of the tasks it enqueued share one request id, through the broker.

`JsonFormatter` writes one JSON object per line (LOG_FORMAT=json, production's default). Every string in it is
masked again (tecnosign.logmask): `PersonalDataFilter` masks the message and traceback, this also covers the
`extra=` fields a call passes.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from .logmask import mask_personal_data

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may look like: short, no spaces or control characters (it is echoed into headers and logs).
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:\-]{8,64}")
CONTEXT_FIELDS = ("request_id", "order_number", "user_id")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_order_number: ContextVar[str | None] = ContextVar("order_number", default=None)
_user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
_VARIABLES = {"request_id": _request_id, "order_number": _order_number, "user_id": _user_id}

request_logger = logging.getLogger("tecnosign.request")
task_logger = logging.getLogger("tecnosign.task")


def current_context() -> dict:
    """The request id, order number and staff user id of what is running now (None where unknown)."""
    return {name: variable.get() for name, variable in _VARIABLES.items()}


def bind(**values) -> dict:
    """Set context values (request_id, order_number, user_id); returns the tokens `unbind` takes."""
    return {name: _VARIABLES[name].set(value) for name, value in values.items()}


def unbind(tokens: dict) -> None:
    for name, token in tokens.items():
        _VARIABLES[name].reset(token)


def bind_order_number(number: str) -> None:
    """For code that learns the order only from a form or a body (a webhook): later lines of this request carry it."""
    _order_number.set(number)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    return value if value and _ACCEPTED_ID.fullmatch(value) else new_request_id()


def _loggable_path(path: str, match) -> str:
    """The path with the one-time tokens of links (order access, holder confirmation…) replaced: a log reader must
    not be able to open them."""
    for name, value in match.kwargs.items() if match else ():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "[token]")
    return path


class RequestContextMiddleware:
    """Early in MIDDLEWARE: the request id for everything after it; the staff user and order once the view is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        tokens = bind(request_id=request_id, order_number=None, user_id=None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            match = getattr(request, "resolver_match", None)
            path = _loggable_path(request.path, match)
            request_logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "http_method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "view": match.view_name if match else "",
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            unbind(tokens)

    def process_view(self, request, view_func, view_args, view_kwargs):
        number = view_kwargs.get("number")
        if isinstance(number, str):
            _order_number.set(number)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            _user_id.set(user.pk)


class RequestContextFilter(logging.Filter):
    """Adds request_id, order_number and user_id to every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, variable in _VARIABLES.items():
            if not hasattr(record, name):
                setattr(record, name, variable.get())
        return True


def _masked(value):
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the context fields and any `extra=`, all masked."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", False)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict) -> dict:
        return _masked(super().process_log_record(log_data))


# -- Celery: the context travels in the task message's headers --------------------------------------------------------

HEADER_PREFIX = "tecnosign_"


def add_context_headers(headers: dict | None = None, **kwargs) -> None:
    """before_task_publish: the publishing request's (or task's) context, into the message headers."""
    if headers is None:
        return
    for name, value in current_context().items():
        if value is not None:
            headers.setdefault(HEADER_PREFIX + name, value)


def _header(task, name: str):
    request = task.request
    value = getattr(request, HEADER_PREFIX + name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(HEADER_PREFIX + name)
    return value


def restore_context(task_id=None, task=None, **kwargs) -> None:
    """task_prerun: the context the task was published with (a new request id for a task nothing enqueued)."""
    if task is None:
        return
    # A task run in-process (eager) has no message headers: it keeps the context it was called in.
    task.request._tecnosign_log_tokens = bind(
        request_id=_header(task, "request_id") or _request_id.get() or new_request_id(),
        order_number=_header(task, "order_number") or _order_number.get(),
        user_id=_header(task, "user_id") or _user_id.get(),
    )
    task.request._tecnosign_started = time.perf_counter()
    task_logger.info("task %s started", task.name, extra={"task": task.name, "task_id": task_id})


def clear_context(task_id=None, task=None, state=None, **kwargs) -> None:
    """task_postrun: log the outcome, then forget the task's context."""
    if task is None:
        return
    started = getattr(task.request, "_tecnosign_started", None)
    task_logger.info(
        "task %s %s",
        task.name,
        state or "finished",
        extra={
            "task": task.name,
            "task_id": task_id,
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        },
    )
    tokens = getattr(task.request, "_tecnosign_log_tokens", None)
    if tokens:
        try:
            unbind(tokens)
        except ValueError:  # the task ran in another context than its prerun (a thread pool's quirk)
            bind(request_id=None, order_number=None, user_id=None)
        task.request._tecnosign_log_tokens = None


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(add_context_headers, weak=False, dispatch_uid="tecnosign-log-publish")
    signals.task_prerun.connect(restore_context, weak=False, dispatch_uid="tecnosign-log-prerun")
    signals.task_postrun.connect(clear_context, weak=False, dispatch_uid="tecnosign-log-postrun")
