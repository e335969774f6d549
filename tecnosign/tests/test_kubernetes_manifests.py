"""deploy/kubernetes: the kustomize base and the production overlay, rendered here (kustomize is not installed; the
base is plain YAML files and the overlay uses only `resources`, `images` and strategic-merge `patches`, which this
renderer applies as kustomize does) and every document validated offline against the Kubernetes JSON schemas
(kubernetes-validate, strict: an unknown field fails)."""

import copy
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "deploy" / "kubernetes"
BASE, PRODUCTION = ROOT / "base", ROOT / "overlays" / "production"
KUBERNETES_VERSION = "1.33.0"
CLUSTER_SCOPED = {"Namespace"}
SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"}


def _merge(target, patch):
    """Strategic merge, as far as these patches need: maps merge, lists of named items merge by name."""
    if isinstance(target, dict) and isinstance(patch, dict):
        for key, value in patch.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in patch):
        by_name = {item.get("name"): item for item in target if isinstance(item, dict)}
        for item in patch:
            if item["name"] in by_name:
                _merge(by_name[item["name"]], item)
            else:
                target.append(copy.deepcopy(item))
        return target
    return copy.deepcopy(patch)


def _pod_spec(document: dict) -> dict | None:
    template = document.get("spec", {}).get("template")
    return template["spec"] if template else None


def _containers(document: dict) -> list[dict]:
    spec = _pod_spec(document) or {}
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def render(directory: Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(kustomization) <= SUPPORTED, set(kustomization) - SUPPORTED
    documents = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            documents += render(path)
        else:
            documents += [document for document in yaml.safe_load_all(path.read_text()) if document]
    for patch_ref in kustomization.get("patches", []):
        patch = yaml.safe_load((directory / patch_ref["path"]).read_text())
        [target] = [
            d for d in documents if (d["kind"], d["metadata"]["name"]) == (patch["kind"], patch["metadata"]["name"])
        ]
        _merge(target, {key: value for key, value in patch.items() if key not in ("apiVersion", "kind", "metadata")})
    for image in kustomization.get("images", []):
        for document in documents:
            for container in _containers(document):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    for document in documents:
        metadata = document["metadata"]
        if "namespace" in kustomization and document["kind"] not in CLUSTER_SCOPED:
            metadata["namespace"] = kustomization["namespace"]
        for label_set in kustomization.get("labels", []):
            metadata.setdefault("labels", {}).update(label_set["pairs"])
    return documents


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request):
    return render(BASE if request.param == "base" else PRODUCTION)


def _one(documents, kind, name) -> dict:
    [document] = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    return document


def test_every_rendered_document_validates_against_the_kubernetes_schemas(rendered):
    for document in rendered:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    kinds = {d["kind"] for d in rendered}
    assert {"Deployment", "Job", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert {"NetworkPolicy", "ConfigMap", "ServiceAccount", "Namespace"} <= kinds


def test_every_yaml_file_is_rendered_or_is_the_secret_example_and_validates():
    listed = {
        (BASE / name).resolve() for name in yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    }
    for path in BASE.glob("*.yaml"):
        if path.name == "kustomization.yaml":
            continue
        assert path.resolve() in listed or path.name == "secret.example.yaml", f"{path.name} is not in the base"
        for document in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_container_runs_non_root_read_only_with_resources(rendered):
    workloads = [d for d in rendered if d["kind"] in ("Deployment", "Job")]
    assert {d["metadata"]["name"] for d in workloads} == {
        "tecnosign-web",
        "tecnosign-worker",
        "tecnosign-beat",
        "tecnosign-migrate",
    }
    for workload in workloads:
        pod = _pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        for container in _containers(workload):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"]["memory"] and container["resources"]["limits"]["memory"]
            sources = {s.get("configMapRef", s.get("secretRef", {})).get("name") for s in container["envFrom"]}
            assert sources == {"tecnosign-config", "tecnosign-secrets"}


def test_the_web_is_probed_on_healthz_and_autoscaled_and_the_beat_has_a_standby(rendered):
    web = _one(rendered, "Deployment", "tecnosign-web")
    [container] = _pod_spec(web)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    hpa = _one(rendered, "HorizontalPodAutoscaler", "tecnosign-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "tecnosign-web" and hpa["spec"]["minReplicas"] >= 2
    assert _one(rendered, "Deployment", "tecnosign-beat")["spec"]["replicas"] == 2
    [init] = _pod_spec(web)["initContainers"]
    assert init["command"][-2:] == ["migrate", "--check"]  # the web waits for the migration Job
    job = _one(rendered, "Job", "tecnosign-migrate")
    [migrate] = _pod_spec(job)["containers"]
    database = next(e for e in migrate["env"] if e["name"] == "DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"]["key"] == "MIGRATE_DATABASE_URL"  # PostgreSQL, not the pooler
    pdbs = {
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for d in rendered
        if d["kind"] == "PodDisruptionBudget"
    }
    assert pdbs == {"web", "worker"}


def test_the_pix_webhook_host_checks_the_client_certificate_and_the_portal_host_hides_the_path(rendered):
    webhook = _one(rendered, "Ingress", "tecnosign-pix-webhook")
    annotations = webhook["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/auth-tls-verify-client"] == "on"
    assert annotations["nginx.ingress.kubernetes.io/auth-tls-secret"]
    [rule] = webhook["spec"]["rules"]
    assert [(p["path"], p["pathType"]) for p in rule["http"]["paths"]] == [("/payments/webhooks/api_pix/pix", "Exact")]
    portal = _one(rendered, "Ingress", "tecnosign")
    assert (
        "location /payments/webhooks/api_pix/ { return 404; }"
        in portal["metadata"]["annotations"]["nginx.ingress.kubernetes.io/server-snippet"]
    )
    config = _one(rendered, "ConfigMap", "tecnosign-config")["data"]
    assert config["PIX_WEBHOOK_CLIENT_VERIFY_HEADER"] == "ssl-client-verify"  # the header ingress-nginx sets


def test_network_policies_deny_by_default_and_admit_only_the_ingress_controller_to_the_web(rendered):
    policies = {d["metadata"]["name"]: d["spec"] for d in rendered if d["kind"] == "NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    admitted = [p for p in policies.values() if "ingress" in p]
    assert len(admitted) == 1 and admitted[0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"


def test_the_config_map_sets_only_documented_settings():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (Path(settings.BASE_DIR) / "README.md").read_text()))
    config = _one(render(BASE), "ConfigMap", "tecnosign-config")["data"]
    secret = yaml.safe_load((BASE / "secret.example.yaml").read_text())["stringData"]
    assert set(config) - documented == set()
    assert set(secret) - documented == {"MIGRATE_DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert config["DB_PGBOUNCER"] == "1" and config["PRIVATE_STORAGE"] == "s3" and config["DEBUG"] == "0"


def test_the_production_overlay_sets_the_release_image_and_more_replicas():
    production = render(PRODUCTION)
    images = {c["image"] for d in production for c in _containers(d)}
    assert images == {"registry.tecnosign.com.br/tecnosign:2026.12.0"}
    web = _one(production, "Deployment", "tecnosign-web")
    assert web["spec"]["replicas"] == 3 and web["metadata"]["namespace"] == "tecnosign"
    [container] = _pod_spec(web)["containers"]
    assert container["resources"]["requests"]["cpu"] == "500m" and container["readinessProbe"]  # merged, not replaced
    assert _one(production, "HorizontalPodAutoscaler", "tecnosign-web")["spec"]["maxReplicas"] == 20
