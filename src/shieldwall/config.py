"""Settings: every configuration value exists once, here, with its default and one line of help.

Values come from environment variables prefixed ``SHIELDWALL_`` (or a ``.env``
file). ``docs/configuration.md`` lists them all; a test keeps that page complete.
In production mode the settings refuse to start with development defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shieldwall.errors import ConfigurationError
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, DEFAULT_QUALITY_THRESHOLD

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Shieldwall's configuration. Field descriptions are the documentation."""

    model_config = SettingsConfigDict(env_prefix="SHIELDWALL_", env_file=".env", extra="ignore")

    mode: Literal["development", "production"] = Field(
        "development", description="`production` refuses insecure defaults (secrets, SQLite)."
    )
    data_dir: Path = Field(
        Path("./.shieldwall"),
        description="Folder for the SQLite database, index snapshots and keys.",
    )
    index_snapshot_dir: Path | None = Field(
        None,
        description="Folder of the match index snapshot a process starts from (default: "
        "`data_dir/index`); point new replicas at a shared copy written by `shieldwall index "
        "snapshot` so they load it and replay only the change log after it.",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is a SQLite file in `data_dir`."
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL for the task queue and rate limits; default is embedded (SQLite).",
    )
    secret_key: str = Field(DEV_SECRET, description="Signs sessions and CSRF tokens.")
    pdq_threshold: int = Field(
        DEFAULT_PDQ_THRESHOLD,
        ge=0,
        le=64,
        description="Default PDQ Hamming threshold for new banks.",
    )
    quality_threshold: int = Field(
        DEFAULT_QUALITY_THRESHOLD,
        ge=0,
        le=100,
        description="PDQ quality below which a hash never matches on its own.",
    )
    max_image_pixels: int = Field(
        100_000_000, gt=0, description="Images with more pixels are refused as decompression bombs."
    )
    max_video_frame_pixels: int = Field(
        36_000_000,
        gt=0,
        description="Videos whose frames have more pixels are refused before decoding.",
    )
    max_upload_bytes: int = Field(
        50 * 1024 * 1024, gt=0, description="Largest media file accepted, in bytes."
    )
    exact_decode: bool = Field(
        False, description="Decode images at full resolution before PDQ (slower, bit-exact)."
    )
    robust_matching: bool = Field(
        True,
        description="Also search flipped, rotated, de-bordered and cropped variants of uploads.",
    )
    local_features: bool = Field(
        False,
        description="When PDQ finds nothing, look for bank entries added from an image "
        "(`bank add FILE` stores their ORB keypoints) by keypoints verified with RANSAC. Off "
        "by default: while any entry holds keypoints it costs ~65 ms of CPU per upload that "
        "matches nothing (bench/RESULTS.md), several times a scan's own cost.",
    )
    webhook_url: str | None = Field(
        None, description="Platform endpoint that receives signed decision webhooks."
    )
    webhook_secret: str = Field(
        DEV_SECRET, description="HMAC-SHA256 key for webhook signatures (share with the platform)."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Timeout of one webhook delivery.")
    outbox_max_attempts: int = Field(
        16,
        ge=1,
        description="Delivery attempts before an action goes to the dead letters (~5 h).",
    )
    outbox_backoff_s: float = Field(
        2.0, gt=0, description="First retry delay; doubles each attempt (with jitter)."
    )
    outbox_max_backoff_s: float = Field(
        3600.0, gt=0, description="Longest wait between two delivery attempts."
    )
    outbox_alert_attempts_left: int = Field(
        3,
        ge=0,
        description="Log outbox.delivery_at_risk (ERROR) when a row has this many attempts left.",
    )
    outbox_lease_s: float = Field(
        60.0, gt=0, description="How long a worker holds an action before others may retry it."
    )
    worker_poll_s: float = Field(
        1.0, gt=0, description="How often the worker looks for due actions in the outbox."
    )
    retention_days: dict[str, int] = Field(
        default_factory=lambda: {"default": 365},
        description="Days to keep seen items per surface (key `default` for the rest).",
    )
    portal_receipt_days: int = Field(
        7,
        ge=1,
        le=3650,
        description="Days a victim-portal receipt (the case a request page created, its sealed "
        "access code) is kept before housekeeping deletes it; at least 1, as the receipt is "
        "shown for a day.",
    )
    platform_jurisdictions: list[str] = Field(
        default_factory=list,
        description='Countries the platform operates in (e.g. ["GB", "US"]); their takedown '
        "clocks apply to every victim request, besides the requester's own country's.",
    )
    complaints_route: str = Field(
        "",
        max_length=500,
        description="How a victim complains about a closed request (a URL or an address), "
        "quoted in the notice that tells them why it was closed; empty: the platform's "
        "support team, quoting the case number.",
    )
    signal_budget_ms: float = Field(
        2000.0,
        gt=0,
        description="Time budget per signal per item; slower signals report a timeout.",
    )
    scan_signals: list[str] | None = Field(
        None, description="Signals to run on scans (names); default: every usable one."
    )
    signals_sync_surfaces: list[str] = Field(
        default_factory=list,
        description=(
            "Surfaces whose scans wait for the heavy detectors (nudity, faces, watermark, "
            "intimate_real_person), each within signal_budget_ms; elsewhere they run in the "
            "worker and may add a follow-up decision."
        ),
    )
    c2pa_trust_anchors: Path | None = Field(
        None, description="PEM bundle of root certificates whose C2PA signers count as trusted."
    )
    audit_signing_key_path: Path | None = Field(
        None,
        description="Ed25519 key that signs audit checkpoints (default: data_dir, mode 0600).",
    )
    audit_checkpoint_every: int = Field(
        1000, ge=1, description="Sign an audit checkpoint every this many events."
    )
    eu_takedown_hours: int = Field(
        24, ge=1, description='Hours taken as "timely" for EU notices in clocks and reports.'
    )
    rate_limit_per_minute: int = Field(
        6000,
        ge=1,
        description="Default requests per minute per API key (a batch counts each lookup).",
    )
    api_key_verifications_per_minute: int = Field(
        10,
        ge=1,
        description="Failed argon2 key checks per key prefix and per client address a minute.",
    )
    api_key_verify_concurrency: int = Field(
        4, ge=1, description="argon2 key checks run at once per process (64 MiB each)."
    )
    exchange_secrets_file: Path | None = Field(
        None,
        description="JSON file of exchange credentials: {exchange name: {key: value}}.",
    )
    exchange_credentials: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Exchange credentials as JSON (same shape); the secrets file wins.",
    )
    exchange_poll_interval_s: float = Field(
        30.0, gt=0, description="How often the worker looks for exchanges due for a fetch."
    )
    exchange_lease_s: float = Field(
        300.0, gt=0, description="How long a fetcher's lease on an exchange lasts unrenewed."
    )
    flood_matches: int = Field(
        1000,
        ge=0,
        description=(
            "A bank entry that matches more items than this within flood_window_s is "
            "quarantined: its matches go to review instead of acting (0: off)."
        ),
    )
    flood_window_s: float = Field(
        3600.0, gt=0, description="The window over which flood_matches is counted."
    )
    hma_api_enabled: bool = Field(
        True, description="Serve the HMA-compatible API at /hma (API keys as bearer tokens)."
    )
    group_commit_max_batch: int = Field(
        256, ge=1, le=10_000, description="Most lookups/scans stored in one transaction."
    )
    group_commit_wait_ms: float = Field(
        0.0,
        ge=0,
        le=100,
        description=(
            "How long a batch waits for more writes before committing (0: it takes what "
            "arrived while the previous batch committed)."
        ),
    )
    max_pending_writes: int = Field(
        4096,
        ge=1,
        description="Writes that may wait for a batch; past that the API answers 503.",
    )
    change_feed: Literal["push", "poll"] = Field(
        "push",
        description="How `serve` learns of bank changes made elsewhere: `push` applies them on "
        "a background thread, woken by PostgreSQL NOTIFY (SQLite: a background poll); `poll` "
        "reads the change log before a lookup, at most every 50 ms (the old way).",
    )
    change_feed_fallback_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="PostgreSQL: how often `serve` also reads the change log in case a "
        "notification was lost (a reconnect, a dropped connection). Any database: how often "
        "`serve` reloads exchange trust levels and quarantined entries (on the same thread, "
        "never in a lookup).",
    )
    change_feed_local_poll_s: float = Field(
        0.1,
        gt=0,
        le=60,
        description="SQLite: how often `serve` reads the change log (there is no push channel).",
    )
    victim_removal_approval: Literal["second_moderator", "automatic"] = Field(
        "second_moderator",
        description="Removing already-published copies a newly approved victim request finds: "
        "`second_moderator` waits for a different moderator to confirm; `automatic` removes at "
        "approval.",
    )
    portal_max_files: int = Field(
        20, ge=1, le=50, description="Most files one victim-portal request may carry."
    )
    portal_requests_per_hour: int = Field(
        10, ge=1, description="Portal requests accepted per client address per hour."
    )
    portal_status_failures_per_hour: int = Field(
        10,
        ge=1,
        description="Wrong case number or access code on the portal's status page per client "
        "address per hour before it answers 429 (right codes do not count).",
    )
    portal_repeats_per_day: int = Field(
        3, ge=1, description="Portal requests accepted per day that carry the same hashes."
    )
    portal_pow_bits: int = Field(
        16,
        ge=0,
        le=28,
        description="Proof-of-work a portal request's page must compute (leading zero bits; "
        "0 turns it off).",
    )
    portal_flood_per_hour: int = Field(
        60,
        ge=1,
        description="Portal requests per hour (all addresses) above which a flood alert is raised.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of TLS-terminating proxies whose X-Forwarded-Proto/-For are "
        "believed (JSON list); then cookies are Secure, HSTS is sent, and every per-client "
        "limit (API-key checks, sign-in, portal) counts the address the proxy forwards.",
    )
    s3_endpoint_url: str | None = Field(
        None,
        description="S3-compatible endpoint that `batch scan s3://…` reads (MinIO, Ceph, R2; "
        "path-style addressing); default: AWS S3. Credentials come from the AWS chain.",
    )
    s3_region: str | None = Field(
        None,
        description="Region of the buckets `batch scan s3://…` reads; default: the AWS chain's.",
    )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "shieldwall.db"

    @property
    def effective_database_url(self) -> str:
        """The database URL to use: the configured one, or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_signing_key_path or self.data_dir / "audit_signing_key.pem"

    @property
    def index_dir(self) -> Path:
        return self.index_snapshot_dir or self.data_dir / "index"

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if self.mode == "production":
            if DEV_SECRET in (self.secret_key, self.webhook_secret):
                raise ConfigurationError(
                    "SHIELDWALL_SECRET_KEY and SHIELDWALL_WEBHOOK_SECRET must be set to random "
                    "values in production mode"
                )
            if self.database_url is None or self.database_url.startswith("sqlite"):
                raise ConfigurationError(
                    "production mode needs SHIELDWALL_DATABASE_URL pointing at PostgreSQL"
                )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; explicit overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
