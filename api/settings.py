"""Process settings, read once from the environment (see the README's configuration table)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from api.client_address import TrustedProxies, parse_trusted_proxies
from models.common.calendar import DEFAULT_TIME_ZONE, BusinessCalendar, load_calendar
from models.common.rate_limits import RateLimitTable
from models.common.secret_files import read_or_create_secret
from models.identity.keys import KeyFileError, development_key_ring, load_key_ring
from models.identity.sessions import TokenPolicy

_SECOND = dt.timedelta(seconds=1)


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


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


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
    introspection: bool = True  # off: __schema and __type are refused, and errors make no suggestions


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    mongodb_uri: str | None = None
    database_name: str = "townhall"
    data_dir: Path = Path(".townhall")
    time_zone: str = DEFAULT_TIME_ZONE
    calendar_file: Path | None = None
    allowed_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    limits: Limits = field(default_factory=Limits)
    firebase_project_id: str = "demo-townhall"
    fcm_endpoint: str = "https://fcm.googleapis.com"
    fcm_static_token: str | None = None  # development and tests: a bearer token for the fake FCM server
    fcm_timeout_seconds: int = 30
    signing_key_files: tuple[Path, ...] = ()
    phone_hash_key_file: Path | None = None
    token_issuer: str = "townhall"
    token_audience: str = "townhall-app"
    access_token_ttl: dt.timedelta = dt.timedelta(minutes=15)
    refresh_token_ttl: dt.timedelta = dt.timedelta(days=30)
    session_lifetime: dt.timedelta = dt.timedelta(days=90)
    rate_limits: str = ""
    officials_act_for_sub_departments: bool = False
    consultation_report_days: int = 20
    worker_lease_seconds: int = 60  # how long a worker holds a fan-out job or a batch of pushes
    worker_metrics_port: int = 0  # a standalone worker serves its push metrics here; 0: not served
    reports_hide_after: int = 3  # distinct reporters who hide content pending review; 0: never
    reports_hide_staff_content: bool = False
    trusted_proxies: tuple[str, ...] = ()  # whose X-Forwarded-For is believed (api/client_address.py)
    ws_init_timeout_seconds: float = 10  # a websocket without connection_init by then is closed (4408)
    ws_max_pending_per_address: int = 10  # websockets of one address not yet initialised; more: 4429
    ws_max_message_bytes: int = 64 * 1024  # a larger websocket frame closes the socket (1009)

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def embedded_data_dir(self) -> Path:
        return self.data_dir / "data"

    def business_calendar(self) -> BusinessCalendar:
        """The deadline calendar (the packaged Chinese one unless TOWNHALL_CALENDAR_FILE is set).

        Lenient: a year without published holidays counts weekends only, with a warning, so
        deadlines keep working (`/readyz` and an admin notice say which years are missing)."""
        try:
            return load_calendar(self.calendar_file, self.time_zone, strict=False)
        except (OSError, ValueError) as error:
            raise SettingsError(f"the business-day calendar cannot be used: {error}") from error

    def token_policy(self) -> TokenPolicy:
        """Signing keys from TOWNHALL_SIGNING_KEYS; in development, a key made in the data directory."""
        try:
            if self.signing_key_files:
                keys = load_key_ring(self.signing_key_files)
            elif self.development:
                keys = development_key_ring(self.data_dir)
            else:
                raise SettingsError("TOWNHALL_SIGNING_KEYS must name the signing key files in production")
        except KeyFileError as error:
            raise SettingsError(f"TOWNHALL_SIGNING_KEYS: {error}") from error
        return TokenPolicy(
            keys=keys,
            issuer=self.token_issuer,
            audience=self.token_audience,
            access_ttl=self.access_token_ttl,
            refresh_ttl=self.refresh_token_ttl,
            session_lifetime=self.session_lifetime,
        )

    def client_proxies(self) -> TrustedProxies:
        """The reverse proxies (TOWNHALL_TRUSTED_PROXIES) whose X-Forwarded-For names the client."""
        try:
            return TrustedProxies(parse_trusted_proxies(self.trusted_proxies))
        except ValueError as error:
            raise SettingsError(f"TOWNHALL_TRUSTED_PROXIES: {error}") from error

    def rate_limit_table(self) -> RateLimitTable:
        """The defaults, with TOWNHALL_RATE_LIMITS added or replaced rule by rule."""
        try:
            return RateLimitTable.from_setting(self.rate_limits)
        except ValueError as error:
            raise SettingsError(f"TOWNHALL_RATE_LIMITS: {error}") from error

    def phone_hash_key(self) -> bytes:
        """The secret under which phone numbers are hashed; losing it orphans every citizen account."""
        if self.phone_hash_key_file is not None:
            try:
                key = self.phone_hash_key_file.read_bytes().strip()
            except OSError as error:
                raise SettingsError(f"TOWNHALL_PHONE_HASH_KEY_FILE: cannot read it: {error}") from error
        elif self.development:
            key = read_or_create_secret(
                self.data_dir / "phone-hash.key", lambda: secrets.token_hex(32).encode()
            )
        else:
            raise SettingsError(
                "TOWNHALL_PHONE_HASH_KEY_FILE must name the phone hash key file in production"
            )
        if len(key) < 32:
            raise SettingsError("the phone hash key must be at least 32 bytes")
        return key

    @classmethod
    def from_env(cls) -> Settings:
        environment = os.environ.get("TOWNHALL_ENV", cls.environment)
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
            introspection=_flag("TOWNHALL_INTROSPECTION", default=environment == "development"),
        )
        if environment == "production" and os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"):
            # With it set, firebase-admin trusts unsigned tokens: anyone could sign in as anyone.
            raise SettingsError("FIREBASE_AUTH_EMULATOR_HOST must not be set in production")
        fcm_endpoint = os.environ.get("TOWNHALL_FCM_ENDPOINT") or cls.fcm_endpoint
        if not fcm_endpoint.startswith(("https://", "http://")) or "{" in fcm_endpoint or "}" in fcm_endpoint:
            raise SettingsError(f"TOWNHALL_FCM_ENDPOINT must be an http(s) URL, got {fcm_endpoint!r}")
        if environment == "production" and not fcm_endpoint.startswith("https://"):
            # The OAuth access token travels with every message.
            raise SettingsError("TOWNHALL_FCM_ENDPOINT must be an https URL in production")
        if environment == "production" and os.environ.get("TOWNHALL_FCM_STATIC_TOKEN"):
            # Only the fake FCM server accepts a fixed token; production uses the service account.
            raise SettingsError("TOWNHALL_FCM_STATIC_TOKEN must not be set in production")
        return cls(
            environment=environment,
            mongodb_uri=os.environ.get("MONGODB_URI") or None,
            database_name=os.environ.get("TOWNHALL_DB_NAME", cls.database_name),
            data_dir=Path(os.environ.get("TOWNHALL_DATA_DIR", cls.data_dir)),
            time_zone=os.environ.get("TOWNHALL_TIME_ZONE", cls.time_zone),
            calendar_file=Path(os.environ["TOWNHALL_CALENDAR_FILE"])
            if os.environ.get("TOWNHALL_CALENDAR_FILE")
            else None,
            allowed_origins=_list("TOWNHALL_ALLOWED_ORIGINS", cls.allowed_origins),
            log_level=os.environ.get("TOWNHALL_LOG_LEVEL", cls.log_level).upper(),
            limits=limits,
            firebase_project_id=os.environ.get("TOWNHALL_FIREBASE_PROJECT_ID", cls.firebase_project_id),
            fcm_endpoint=fcm_endpoint,
            fcm_static_token=os.environ.get("TOWNHALL_FCM_STATIC_TOKEN") or None,
            fcm_timeout_seconds=_int("TOWNHALL_FCM_TIMEOUT_SECONDS", cls.fcm_timeout_seconds, 1),
            signing_key_files=tuple(Path(p) for p in _list("TOWNHALL_SIGNING_KEYS", ())),
            phone_hash_key_file=Path(os.environ["TOWNHALL_PHONE_HASH_KEY_FILE"])
            if os.environ.get("TOWNHALL_PHONE_HASH_KEY_FILE")
            else None,
            token_issuer=os.environ.get("TOWNHALL_TOKEN_ISSUER", cls.token_issuer),
            token_audience=os.environ.get("TOWNHALL_TOKEN_AUDIENCE", cls.token_audience),
            access_token_ttl=dt.timedelta(
                seconds=_int("TOWNHALL_ACCESS_TOKEN_TTL_SECONDS", cls.access_token_ttl // _SECOND, 60)
            ),
            refresh_token_ttl=dt.timedelta(
                days=_int("TOWNHALL_REFRESH_TOKEN_TTL_DAYS", cls.refresh_token_ttl.days, 1)
            ),
            session_lifetime=dt.timedelta(
                days=_int("TOWNHALL_SESSION_LIFETIME_DAYS", cls.session_lifetime.days, 1)
            ),
            rate_limits=os.environ.get("TOWNHALL_RATE_LIMITS", cls.rate_limits),
            officials_act_for_sub_departments=_flag(
                "TOWNHALL_OFFICIALS_ACT_FOR_SUB_DEPARTMENTS", cls.officials_act_for_sub_departments
            ),
            consultation_report_days=_int(
                "TOWNHALL_CONSULTATION_REPORT_DAYS", cls.consultation_report_days, 1
            ),
            worker_lease_seconds=_int("TOWNHALL_WORKER_LEASE_SECONDS", cls.worker_lease_seconds, 5),
            worker_metrics_port=_int("TOWNHALL_WORKER_METRICS_PORT", cls.worker_metrics_port, 0),
            reports_hide_after=_int("TOWNHALL_REPORTS_HIDE_AFTER", cls.reports_hide_after, 0),
            reports_hide_staff_content=_flag(
                "TOWNHALL_REPORTS_HIDE_STAFF_CONTENT", cls.reports_hide_staff_content
            ),
            trusted_proxies=_list("TOWNHALL_TRUSTED_PROXIES", cls.trusted_proxies),
            ws_init_timeout_seconds=_int(
                "TOWNHALL_WS_INIT_TIMEOUT_SECONDS", int(cls.ws_init_timeout_seconds), 1
            ),
            ws_max_pending_per_address=_int(
                "TOWNHALL_WS_MAX_PENDING_PER_ADDRESS", cls.ws_max_pending_per_address, 1
            ),
            ws_max_message_bytes=_int("TOWNHALL_WS_MAX_MESSAGE_BYTES", cls.ws_max_message_bytes, 1024),
        )
