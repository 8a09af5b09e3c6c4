"""docker-compose.yml cannot run here (no Docker engine): validate it instead."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from service import settings

ROOT = Path(__file__).parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_matches_the_compose_spec():
    check = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_and_settings_cross_reference():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"redis", "api", "dispatcher", "retrain"} <= set(services)
    assert services["dispatcher"]["command"] == ["commentguard", "dispatch"]
    assert (
        services["dispatcher"]["environment"]["COMMENTGUARD_REDIS_URL"]
        == (services["api"]["environment"]["COMMENTGUARD_REDIS_URL"])
    )
    assert services["retrain"]["volumes"] == services["api"]["volumes"]
    assert "--appendonly" in services["redis"]["command"]
    assert services["redis"]["healthcheck"]["test"]
    assert services["api"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name, service in services.items():
        for var in service.get("environment", {}):
            assert var.startswith(settings.ENV_PREFIX), f"{name}: {var}"
            assert var.removeprefix(settings.ENV_PREFIX) in settings.names(), f"{name}: {var}"
        for other in service.get("depends_on", {}):
            assert other in services
    redis_url = services["api"]["environment"]["COMMENTGUARD_REDIS_URL"]
    assert re.match(r"redis://redis:6379/\d+$", redis_url)
    assert (ROOT / services["api"]["build"] / "Dockerfile").is_file()


def test_the_scale_profile_runs_replicas_behind_a_balancer_on_sentinel():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    scale = {name for name, s in services.items() if "scale" in s.get("profiles", [])}
    assert {"api-1", "api-2", "lb", "retrain-scale", "redis-primary", "redis-replica"} <= scale
    assert sum(name.startswith("sentinel-") for name in scale) == 3
    replicas = [services["api-1"], services["api-2"]]
    assert replicas[0]["environment"] == replicas[1]["environment"]
    for service in (*replicas, services["retrain-scale"]):
        env = service["environment"]
        assert env["COMMENTGUARD_MODEL_REGISTRY"] == "redis"
        assert env["COMMENTGUARD_REDIS_URL"].startswith("redis+sentinel://")
        assert "volumes" not in service, "hosts share models through the registry, not a disk"
    haproxy = (ROOT / "deploy" / "compose" / "haproxy.cfg").read_text()
    assert "httpchk GET /readyz" in haproxy
    for name in ("api-1", "api-2"):
        assert f"server {name} {name}:8000" in haproxy
    sentinel = (ROOT / "deploy" / "compose" / "sentinel.conf").read_text()
    assert "sentinel monitor mymaster redis-primary 6379 2" in sentinel
    for s in services.values():
        for mount in s.get("volumes", []):
            # The project's own config files are in the repo; an operator's secret is not.
            if mount.startswith("./deploy/"):
                assert (ROOT / mount.split(":")[0]).is_file(), mount
