"""Settings: the defaults, then ``COMMENTGUARD_*`` environment variables, then overrides."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_type_hints

from service import defaults

ENV_PREFIX = "COMMENTGUARD_"


class SettingsError(Exception):
    """An environment variable holds a value of the wrong type."""


def names() -> list[str]:
    """Return the names of every setting."""
    return [n for n in vars(defaults) if n.isupper()]


def _parse(name: str, raw: str) -> Any:
    """Convert an environment value to the type of the default."""
    hint = str(get_type_hints(defaults).get(name, type(getattr(defaults, name)).__name__))
    if hint == "bool":
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not true or false")
    try:
        if "float" in hint:
            return float(raw) if raw != "" else None
        if "int" in hint:
            return int(raw)
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name}={raw!r} is not a number") from None
    return raw or None


def load(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Return every setting by name."""
    settings = {n: getattr(defaults, n) for n in names()}
    for n in names():
        if env.get(ENV_PREFIX + n, "") != "":
            settings[n] = _parse(n, env[ENV_PREFIX + n])
    settings.update(overrides or {})
    return settings


def secret_key(data_dir: Path) -> str:
    """Return the session secret kept in the data directory, creating it once."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_text().strip()
