"""Process settings, read once from the environment (see the README's configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from models.common.calendar import BusinessCalendar, load_calendar


class SettingsError(ValueError):
    """An environment variable holds a value Townhall cannot use."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Limits:
    """Bounds on what one GraphQL operation may ask for."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2_000
    max_body_bytes: int = 100_000
    max_cost: int = 5_000
    max_page_size: int = 100
    default_page_size: int = 20
    cache_size: int = 1_000


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    mongodb_uri: str | None = None
    database_name: str = "townhall"
    data_dir: Path = Path(".townhall")
    time_zone: str = "Asia/Shanghai"
    calendar_file: Path | None = None
    allowed_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    limits: Limits = field(default_factory=Limits)

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def embedded_data_dir(self) -> Path:
        return self.data_dir / "data"

    def business_calendar(self) -> BusinessCalendar:
        """The deadline calendar (the packaged Chinese one unless TOWNHALL_CALENDAR_FILE is set)."""
        try:
            return load_calendar(self.calendar_file, self.time_zone)
        except (OSError, ValueError) as error:
            raise SettingsError(f"the business-day calendar cannot be used: {error}") from error

    @classmethod
    def from_env(cls) -> Settings:
        environment = os.environ.get("TOWNHALL_ENV", "development")
        if environment not in ("development", "production"):
            raise SettingsError(f"TOWNHALL_ENV must be 'development' or 'production', got {environment!r}")
        limits = Limits(
            max_depth=_int("TOWNHALL_MAX_QUERY_DEPTH", Limits.max_depth, 1),
            max_aliases=_int("TOWNHALL_MAX_ALIASES", Limits.max_aliases, 1),
            max_tokens=_int("TOWNHALL_MAX_TOKENS", Limits.max_tokens, 10),
            max_body_bytes=_int("TOWNHALL_MAX_BODY_BYTES", Limits.max_body_bytes, 1_000),
            max_cost=_int("TOWNHALL_MAX_QUERY_COST", Limits.max_cost, 1),
            max_page_size=_int("TOWNHALL_MAX_PAGE_SIZE", Limits.max_page_size, 1),
            cache_size=_int("TOWNHALL_GRAPHQL_CACHE_SIZE", Limits.cache_size, 1),
        )
        return cls(
            environment=environment,
            mongodb_uri=os.environ.get("MONGODB_URI") or None,
            database_name=os.environ.get("TOWNHALL_DB_NAME", "townhall"),
            data_dir=Path(os.environ.get("TOWNHALL_DATA_DIR", ".townhall")),
            time_zone=os.environ.get("TOWNHALL_TIME_ZONE", "Asia/Shanghai"),
            calendar_file=Path(os.environ["TOWNHALL_CALENDAR_FILE"])
            if os.environ.get("TOWNHALL_CALENDAR_FILE")
            else None,
            allowed_origins=_list("TOWNHALL_ALLOWED_ORIGINS", ()),
            log_level=os.environ.get("TOWNHALL_LOG_LEVEL", "INFO").upper(),
            limits=limits,
        )
