"""deploy/monitoring/: the alert rules and the Grafana dashboard name only metrics the portal really exposes."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db
MONITORING = Path(settings.BASE_DIR) / "deploy" / "monitoring"
METRIC_NAME = re.compile(r"\btecnosign_[a-z0-9_]+")
SUFFIX = re.compile(r"_(total|bucket|count|sum)$")


@pytest.fixture
def exposed(settings) -> set[str]:
    """Every sample name a scrape of /metrics returns (histograms' _bucket/_count/_sum included)."""
    settings.METRICS_TOKEN = "monitoring-examples-token"
    Client().get("/healthz")  # one request and some statements, so the labelled series exist
    response = Client().get("/metrics", headers={"Authorization": "Bearer monitoring-examples-token"})
    assert response.status_code == 200
    names = set()
    for family in text_string_to_metric_families(response.content.decode()):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def rule_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_the_alerts_cover_the_sla_the_outbox_and_the_error_rate():
    alerts = dict(rule_expressions())
    assert "tecnosign_issuance_pending_older_than" in alerts["IssuanceSlaBreached"]
    assert "tecnosign_outbox_oldest_pending_age_seconds" in alerts["OutboxBacklog"]
    assert 'status=~"5.."' in alerts["HighErrorRate"]


@pytest.mark.parametrize("source", [rule_expressions, dashboard_expressions], ids=["alerts", "dashboard"])
def test_every_metric_named_is_exposed(source, exposed):
    named = {name for _, expression in source() for name in METRIC_NAME.findall(expression)}
    assert named
    # A labelled series appears once something was counted; its family (HELP/TYPE) is always there.
    missing = {name for name in named if name not in exposed and re.sub(SUFFIX, "", name) not in exposed}
    assert not missing, missing
