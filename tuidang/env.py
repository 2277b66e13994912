"""Settings from environment variables that fail loudly on bad values.

Each reader raises ImproperlyConfigured naming the variable, so a typo in a
deployment stops the process at start-up instead of running with a default.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_dir(name: str) -> Path | None:
    """An absolute directory, or None when the variable is unset or empty."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    if not Path(raw).is_absolute():
        raise ImproperlyConfigured(f"{name} must be an absolute path, got {raw!r}")
    return Path(raw)


def env_base_url(name: str) -> str | None:
    """An http(s) URL ending in "/", or None when the variable is unset or empty."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw if raw.endswith("/") else raw + "/"


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def env_float(name: str, default: float, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def env_secret(name: str, file_default: Path | None = None) -> str | None:
    """A secret given directly (NAME) or in a file (NAME_FILE, or file_default if it exists)."""
    direct = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if direct and file_name:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    if direct:
        return direct
    path = Path(file_name) if file_name else file_default
    if path is None:
        return None
    if not path.exists():
        if file_name:
            raise ImproperlyConfigured(f"{name}_FILE points to {path}, which does not exist")
        return None
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise ImproperlyConfigured(f"{path} (for {name}) is empty")
    return value


def env_url_list(name: str) -> list[str]:
    """Comma-separated http(s) URLs (each with a host), or [] when unset or empty."""
    urls = [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise ImproperlyConfigured(f"{name} must list http:// or https:// URLs, got {url!r}")
    return urls
