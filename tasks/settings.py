"""Settings, one class per concern, from POLYLEDGER_* environment variables or .env."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _config() -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix="POLYLEDGER_", env_file=".env", extra="ignore")


def check_identifier(value: str) -> str:
    """Return `value` if it is a plain SQL identifier; table and database names are formatted into SQL."""
    if not IDENTIFIER.match(value):
        raise ValueError(f"not a valid identifier: {value!r} (letters, digits, underscore; max 63)")
    return value


class ClickHouseSettings(BaseSettings):
    """Where the data lives and how hard each query may work."""

    model_config = _config()

    clickhouse_url: SecretStr = Field(
        SecretStr("chdb://./.polyledger/chdb"),
        description="chdb://./dir, chdb:///abs/dir (embedded) or http(s)://user:password@host:port",
    )
    clickhouse_user: str | None = Field(None, description="overrides the user in the URL")
    clickhouse_password: SecretStr | None = Field(None, description="overrides the password in the URL")
    database: str = Field("polymarket", description="database holding every table")
    max_threads: int = Field(0, ge=0, description="per-query max_threads (0: server default)")
    max_insert_threads: int = Field(2, ge=0, description="threads writing each INSERT ... SELECT (0: server default)")
    max_memory_usage: int = Field(8_000_000_000, ge=0, description="per-query memory cap in bytes")
    max_execution_time: int = Field(3600, ge=0, description="per-query time cap in seconds")
    connect_timeout: int = Field(10, ge=1, description="seconds to wait for a server")
    chdb_lock_wait_seconds: float = Field(
        15, ge=0, description="embedded: seconds to wait for another process to release the directory")

    _check_db = field_validator("database")(lambda cls, v: check_identifier(v))


class TableSettings(BaseSettings):
    """Table names (defaults from SPEC section 3), each validated as an identifier."""

    model_config = SettingsConfigDict(env_prefix="POLYLEDGER_TABLE_", env_file=".env", extra="ignore")

    raw: str = Field("pm_trader_events_v2", description="raw fills (source)")
    token_map: str = Field("pm_token_to_condition_map", description="token -> condition (source)")
    resolutions: str = Field("pm_condition_resolutions", description="market resolutions (source)")
    staging: str = Field("pm_trader_events_dedup_v2_tbl", description="deduped staging")
    rejected: str = Field("pm_rejected_events", description="rejected rows with reasons")
    supersessions: str = Field("pm_fill_supersessions",
                               description="staged versions of a fill that lost to a later version on another day")
    ledger: str = Field("pm_unified_ledger_v9_clob_tbl", description="validated ledger")
    lots: str = Field("pm_trade_fifo_roi_v3", description="FIFO lots (working copy)")
    positions: str = Field("pm_wallet_positions", description="positions (working copy)")
    lots_view: str = Field("pm_trade_fifo_roi_v3_deduped", description="published lots view")
    leaderboard: str = Field("pm_wallet_leaderboard", description="published leaderboard view")
    partitions: str = Field("pm_pipeline_partitions", description="partition registry")

    @field_validator("*")
    @classmethod
    def _identifier(cls, v: str) -> str:
        return check_identifier(v)


class PipelineSettings(BaseSettings):
    """How the work is cut up, retried and run in parallel."""

    model_config = _config()

    chunk_days: int = Field(1, ge=1, le=31, description="days per staging/ledger task")
    shard_width: int = Field(1, ge=1, le=2, description="hex characters of the wallet shard (1: 16, 2: 256)")
    fifo_bytes_per_row: int = Field(600, ge=1, description="memory estimate per ledger row in a FIFO query")
    concurrency: int = Field(2, ge=1, description="partitions run at once locally (threads)")
    max_pods_in_flight: int = Field(4, ge=1, description="child deployment runs at once in Kubernetes")
    retries: int = Field(3, ge=0, description="retries of a task on transient ClickHouse errors")
    retry_delay_seconds: float = Field(2.0, ge=0, description="base of the exponential backoff")
    lookback_days: int = Field(2, ge=0, description="nightly: days before the watermark restaged")
    scratch_ttl_hours: int = Field(
        24, ge=0, description="scratch tables older than this are a killed task's leftovers, dropped by init and at the "
                              "start of a backfill or nightly run (0: all of them; only when nothing else runs)")
    parity_sample_modulus: int = Field(
        0, ge=0, description="parity on wallets with cityHash64 % N = 0 (0: every wallet; set on servers)"
    )
    exchange_contracts: str = Field(
        "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e,0xc5d563a36ae78145c45a50134d48a1215220f80a",
        description="comma-separated exchange contract addresses (orderfilled ingest: taker = exchange => role taker)",
    )
    fifo_shard_deployment: str = Field("fifo-shard/fifo-shard", description="child deployment of fifo_backfill")
    leaderboard_latency_ms: int = Field(1000, ge=1, description="validate: leaderboard top-100 must answer within")

    @property
    def exchanges(self) -> set[str]:
        return {a.strip().lower() for a in self.exchange_contracts.split(",") if a.strip()}


class Settings:
    """All settings, read once."""

    def __init__(self) -> None:
        self.clickhouse = ClickHouseSettings()
        self.tables = TableSettings()
        self.pipeline = PipelineSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
