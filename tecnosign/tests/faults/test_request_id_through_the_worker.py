"""A request's id travels with the tasks it enqueues, through the broker, into a real worker's JSON log.

A worker subprocess (`celery -A tecnosign worker`, LOG_FORMAT=json) on a private Redis; the web side is this process,
publishing to the same Redis after the checkout's commit, as the web app does. The worker also serves its own
metrics on CELERY_WORKER_METRICS_PORT.
"""

import json

import pytest
import requests
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from conftest import wait_for
from orders.tests.factories import LinkFactory, ProductFactory
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from tecnosign.logcontext import REQUEST_ID_HEADER
from tecnosign.notifications.models import OutboxMessage

from .conftest import app_publishing_to, free_port

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.worker]


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_the_task_a_request_enqueued_logs_the_request_id_in_the_worker(private_redis, worker_process):
    private_redis.start()
    metrics_port = free_port()
    worker = worker_process(private_redis.url, LOG_FORMAT="json", CELERY_WORKER_METRICS_PORT=str(metrics_port))
    product, link = ProductFactory(), LinkFactory()

    # When a customer checks out (the order-created e-mail is a task, published after the commit)
    with app_publishing_to(private_redis.url):
        response = Client().post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)
    assert response.status_code == 302
    request_id = response[REQUEST_ID_HEADER]

    # Then the worker, having taken the task from Redis, logs it under the request's id, as JSON
    wait_for(lambda: OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).exists(), timeout=30)
    wait_for(lambda: any(line.get("state") for line in json_lines(worker.log.read_text())), timeout=10)
    task_lines = [line for line in json_lines(worker.log.read_text()) if line["logger"] == "tecnosign.task"]
    assert {line["task"] for line in task_lines} == {"notifications.send"}
    assert {line["request_id"] for line in task_lines} == {request_id}
    assert [line["state"] for line in task_lines if line.get("state")] == ["SUCCESS"]
    # and the worker's own metrics (its port, opened on worker_ready) counted the task
    scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    counted = {
        (sample.labels.get("task"), sample.labels.get("state")): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "tecnosign_celery_tasks_total"
    }
    assert counted == {("notifications.send", "SUCCESS"): 1.0}
    # and nothing the customer typed is in the worker's log in clear
    text = worker.log.read_text()
    assert not any(value in text for value in ("529.982.247-25", "52998224725", "maria@exemplo.com.br"))
