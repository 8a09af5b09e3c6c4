"""deploy/k8s/ cannot be applied here (no cluster): validate it against the Kubernetes schemas.

kubernetes-validate ships the official JSON schemas, so nothing is downloaded at test time.
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import yaml

from service import settings

MANIFESTS = Path(__file__).parent.parent / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"


def _documents() -> list[dict]:
    return [
        doc
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def test_every_manifest_matches_the_kubernetes_schema():
    documents = _documents()
    assert {d["kind"] for d in documents} >= {"Deployment", "Service", "CronJob", "ConfigMap"}
    for doc in documents:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_probes_settings_and_selectors_cross_reference():
    by_kind = {d["kind"]: d for d in _documents()}
    deployment = by_kind["Deployment"]
    [api] = deployment["spec"]["template"]["spec"]["containers"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert by_kind["Service"]["spec"]["selector"].items() <= labels.items()
    config = by_kind["ConfigMap"]["data"] | by_kind["Secret"]["stringData"]
    for var in config:
        assert var.removeprefix(settings.ENV_PREFIX) in settings.names(), var
    # Hosts with separate disks must share models through the registry.
    assert config["COMMENTGUARD_MODEL_REGISTRY"] == "redis"
    assert config["COMMENTGUARD_REDIS_URL"].startswith("redis+sentinel://")


def test_the_validator_refuses_a_misspelt_field():
    deployment = next(d for d in _documents() if d["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    try:
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError:
        return
    raise AssertionError("a misspelt field passed the schema")
