"""The only module that talks to ClickHouse: get_client() and Db.run()/rows() over .sql files."""

from __future__ import annotations

import logging
import re
import string
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tasks.errors import ConfigError, QueryError
from tasks.settings import Settings, check_identifier, get_settings

SQL_DIR = Path(__file__).parent / "sql"

# ClickHouse error codes a retry can get past: timeouts, network, memory, too many parts/queries, replicas.
TRANSIENT_CODES = {
    159: "TIMEOUT_EXCEEDED",
    160: "TOO_SLOW",
    164: "READONLY",
    202: "TOO_MANY_SIMULTANEOUS_QUERIES",
    209: "SOCKET_TIMEOUT",
    210: "NETWORK_ERROR",
    241: "MEMORY_LIMIT_EXCEEDED",
    242: "TABLE_IS_READ_ONLY",
    252: "TOO_MANY_PARTS",
    285: "TOO_FEW_LIVE_REPLICAS",
    319: "UNKNOWN_STATUS_OF_INSERT",
    425: "SYSTEM_ERROR",
    999: "KEEPER_EXCEPTION",
}
_CODE = re.compile(r"Code: (\d+)")
# clickhouse-connect raises OperationalError both for network failures and for configuration mistakes.
_NETWORK = re.compile(r"Error executing HTTP request|Connection (refused|reset|aborted)|timed out|"
                      r"Max retries exceeded|RemoteDisconnected|Broken pipe", re.I)


@dataclass(frozen=True)
class Target:
    """A parsed POLYLEDGER_CLICKHOUSE_URL."""

    kind: str  # "chdb" or "http"
    path: str = ""
    host: str = ""
    port: int = 0
    secure: bool = False
    user: str = "default"
    password: str = ""

    def describe(self) -> str:
        """Where we connect, without any secret."""
        if self.kind == "chdb":
            return f"embedded chDB at {self.path}"
        return f"{'https' if self.secure else 'http'}://{self.host}:{self.port}"


def parse_url(url: str, *, user: str | None = None, password: str | None = None) -> Target:
    """Parse a chdb:// or http(s):// URL; the error never repeats the URL (it may hold a password)."""
    if url.startswith("chdb://"):
        rest = url[len("chdb://"):]
        if not rest:
            raise ConfigError("POLYLEDGER_CLICKHOUSE_URL: chdb:// needs a directory, e.g. chdb://./.polyledger/chdb")
        return Target("chdb", path=str(Path(rest).expanduser().resolve()))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("POLYLEDGER_CLICKHOUSE_URL is not a valid URL (expected http(s)://user:password@host:port)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "POLYLEDGER_CLICKHOUSE_URL must start with chdb://, http:// or https:// and name a host"
        )
    secure = parts.scheme == "https"
    return Target(
        "http",
        host=parts.hostname,
        port=port or (8443 if secure else 8123),
        secure=secure,
        user=user or unquote(parts.username or "") or "default",
        password=password if password is not None else unquote(parts.password or ""),
    )


class _Templates(Mapping):
    """Identifiers for ${name} in .sql files; ${select_x} includes sql/select_x.sql (a shared subquery)."""

    def __init__(self, idents: dict[str, str]):
        self._idents = idents

    def __getitem__(self, key: str) -> str:
        if key in self._idents:
            return self._idents[key]
        if key.startswith("select_") and (SQL_DIR / f"{key}.sql").exists():
            return render_text(key, self._idents)
        raise KeyError(key)

    def __iter__(self):
        return iter(self._idents)

    def __len__(self) -> int:
        return len(self._idents)


def render_text(name: str, idents: dict[str, str]) -> str:
    """Render sql/<name>.sql with identifiers substituted (values are bound, never formatted in)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.exists():
        raise ConfigError(f"no SQL file {path.name}")
    return string.Template(path.read_text()).substitute(_Templates(idents))


def quote_ident(name: str) -> str:
    return f"`{check_identifier(name)}`"


class Db:
    """A ClickHouse client bound to our database and tables; every statement comes from a .sql file."""

    def __init__(self, client: Any, settings: Settings, target: Target):
        self.client = client
        self.settings = settings
        self.target = target
        db = settings.clickhouse.database
        self.database = db
        t = settings.tables
        self.idents = {"db": quote_ident(db)}
        for key, name in t.model_dump().items():
            self.idents[key] = f"{quote_ident(db)}.{quote_ident(name)}"
        # Publication keeps three copies of each output: _published (read by the views), _next, _previous.
        for key in ("lots", "positions"):
            for suffix in ("published", "next", "previous"):
                self.idents[f"{key}_{suffix}"] = f"{quote_ident(db)}.{quote_ident(getattr(t, key) + '_' + suffix)}"
        self._secrets = [s for s in (target.password,) if s]

    # -- names -------------------------------------------------------------------------------
    def table(self, key: str) -> str:
        """Qualified name of a configured table, or of a scratch table we name ourselves."""
        if key in self.idents:
            return self.idents[key]
        return f"{quote_ident(self.database)}.{quote_ident(key)}"

    def scratch(self, prefix: str) -> str:
        """A fresh scratch table name (unique per call, so parallel tasks never collide)."""
        return f"_{prefix}_{uuid.uuid4().hex[:12]}"

    def render(self, name: str, **idents: str) -> str:
        extra = {k: self.table(v) if not v.startswith("`") else v for k, v in idents.items()}
        return render_text(name, {**self.idents, **extra})

    # -- execution -----------------------------------------------------------------------------
    def run(self, name: str, *, purpose: str = "", idents: dict[str, str] | None = None,
            settings: dict[str, Any] | None = None, **params: Any) -> str:
        """Execute a statement from sql/<name>.sql; returns its query id."""
        sql = self.render(name, **(idents or {}))
        qid = uuid.uuid4().hex
        with self._errors(purpose or name):
            self.client.command(sql, parameters=params or None, settings={**(settings or {}), "query_id": qid})
        return qid

    def rows(self, name: str, *, purpose: str = "", idents: dict[str, str] | None = None,
             settings: dict[str, Any] | None = None, **params: Any) -> list[dict[str, Any]]:
        """Run a SELECT from sql/<name>.sql and return its rows as dicts."""
        sql = self.render(name, **(idents or {}))
        with self._errors(purpose or name):
            result = self.client.query(sql, parameters=params or None, settings=settings)
        cols = result.column_names
        return [dict(zip(cols, r)) for r in result.result_rows]

    def scalar(self, name: str, **kw: Any) -> Any:
        rows = self.rows(name, **kw)
        return next(iter(rows[0].values())) if rows else None

    def insert(self, key: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], *, purpose: str = "") -> int:
        """Insert Python rows into a table; values travel as data, never as SQL text."""
        if not rows:
            return 0
        with self._errors(purpose or f"insert into {key}"):
            self.client.insert(self.bare(key), list(rows), column_names=list(columns), database=self.database)
        return len(rows)

    def sql(self, text: str, **params: Any) -> list[tuple]:
        """Ad-hoc read-only SELECT for tests and diagnostics (values bound server-side)."""
        with self._errors("ad-hoc query"):
            return self.client.query(text, parameters=params or None).result_rows

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.close()
        except Exception:  # closing a dead connection must not mask the real error
            pass
        self.client = None
        if self.target.kind == "chdb":
            with _CHDB_LOCK:
                _CHDB_OPEN[0] -= 1

    def __enter__(self) -> "Db":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def bare(self, key: str) -> str:
        """Unqualified table name of a key ('lots_next' -> 'pm_trade_fifo_roi_v3_next')."""
        return self.table(key).split(".")[-1].strip("`")

    def redact(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def _errors(self, purpose: str):
        return _ErrorScope(self, purpose)


class _ErrorScope:
    """Turns driver exceptions into QueryError with the query's purpose, classified transient or not."""

    def __init__(self, db: Db, purpose: str):
        self.db, self.purpose = db, purpose

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, QueryError):
            return False
        if not isinstance(exc, Exception):
            return False
        raise classify(exc, self.purpose, self.db.redact) from exc


def classify(exc: BaseException, purpose: str, redact=lambda s: s) -> QueryError:
    """Build a QueryError: transient for network failures and the codes in TRANSIENT_CODES."""
    text = redact(str(exc)).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    code = getattr(exc, "code", None)
    if not isinstance(code, int):
        m = _CODE.search(text)
        code = int(m.group(1)) if m else None
    transient = code in TRANSIENT_CODES or bool(_NETWORK.search(text)) and code is None
    return QueryError(f"{purpose}: {first[:500]}", transient=transient, code=code)


_CHDB_OPEN = [0]  # chDB clients open or opening in this process (the directory lock is then ours)
_CHDB_LOCK = threading.Lock()


def _locked_elsewhere(path: Path) -> str:
    """Probe chDB's directory lock (flock on <dir>/status) before chDB tries and prints its own error;
    returns '' when free, else a description of the holder."""
    import fcntl

    status = path / "status"
    if not status.exists():
        return ""
    with open(status, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _lock_holder(status)
        fcntl.flock(fh, fcntl.LOCK_UN)
    return ""


def _wait_for_lock(path: Path, seconds: float) -> str:
    """A process that just closed its last client may release the directory a moment later: wait a little."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        holder = _locked_elsewhere(path)
        if not holder or time.monotonic() >= deadline:
            return holder
        time.sleep(0.2)


def _lock_holder(status: Path) -> str:
    try:
        inode = status.stat().st_ino
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if len(fields) > 5 and fields[5].endswith(f":{inode}"):
                return f"process {fields[4]}"
    except OSError:
        pass
    return "another process"


def _reason(exc: Exception, target: Target) -> str:
    """A short, secret-free reason for a failed connection."""
    text = str(exc)
    for needle, reason in (("refused", "connection refused"), ("timed out", "timed out"),
                           ("Name or service not known", "unknown host"), ("nodename nor servname", "unknown host"),
                           ("Authentication failed", "authentication failed"), ("AUTHENTICATION", "authentication failed")):
        if needle in text:
            return reason
    if target.password:
        text = text.replace(target.password, "***")
    return text.splitlines()[0][:200] if text else type(exc).__name__


def get_client(settings: Settings | None = None) -> Db:
    """Open a client for POLYLEDGER_CLICKHOUSE_URL (embedded chDB or a server) with our session settings."""
    settings = settings or get_settings()
    ch = settings.clickhouse
    target = parse_url(
        ch.clickhouse_url.get_secret_value(),
        user=ch.clickhouse_user,
        password=ch.clickhouse_password.get_secret_value() if ch.clickhouse_password else None,
    )
    session = {"max_memory_usage": ch.max_memory_usage, "max_execution_time": ch.max_execution_time}
    if ch.max_threads:
        session["max_threads"] = ch.max_threads
    if ch.max_insert_threads:
        session["max_insert_threads"] = ch.max_insert_threads
    import clickhouse_connect  # deferred: keeps `polyledger --help` fast

    logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL)  # we report failures ourselves, once

    if target.kind == "chdb":
        try:
            import chdb  # noqa: F401
        except ImportError:
            raise ConfigError(
                "POLYLEDGER_CLICKHOUSE_URL is embedded (chdb://) but chdb is not installed: "
                "pip install 'polyledger[embedded]', or point the URL at a server"
            ) from None
        Path(target.path).mkdir(parents=True, exist_ok=True)
        with _CHDB_LOCK:  # threads of this process: count ourselves in before anyone probes the lock
            holder = "" if _CHDB_OPEN[0] else _wait_for_lock(Path(target.path), ch.chdb_lock_wait_seconds)
            if not holder:
                _CHDB_OPEN[0] += 1
        if holder:
            raise ConfigError(f"embedded database {target.path} is in use by {holder} "
                              "(chDB allows one process per directory); wait for it or use another directory")
        try:
            client = clickhouse_connect.get_client(dsn=f"chdb://{target.path}", settings=session)
        except Exception as exc:
            with _CHDB_LOCK:
                _CHDB_OPEN[0] -= 1
            if "lock" in str(exc).lower() or "in use" in str(exc).lower():
                raise ConfigError(
                    f"embedded database {target.path} is in use by another process "
                    "(chDB allows one process per directory); wait for it or use another directory"
                ) from None
            raise ConfigError(f"cannot open {target.describe()}: {str(exc).splitlines()[0][:300]}") from None
    else:
        try:
            client = clickhouse_connect.get_client(
                host=target.host, port=target.port, username=target.user, password=target.password,
                secure=target.secure, connect_timeout=ch.connect_timeout, client_name="polyledger",
                settings=session,
            )
        except Exception as exc:
            raise ConfigError(f"cannot reach ClickHouse at {target.describe()}: {_reason(exc, target)}") from None
    return Db(client, settings, target)
