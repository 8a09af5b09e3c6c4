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
