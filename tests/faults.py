"""Fault injection around the real ClickHouse client (not a mock database): chosen statements fail."""

from __future__ import annotations

import threading
from typing import Any, Callable

from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError


class Budget:
    """How many more matching statements fail, shared by every client of a test. `needle` is a substring of
    the SQL or a predicate over (sql, bound parameters)."""

    def __init__(self, needle: str | Callable[[str, dict], bool], error: Exception, times: int):
        self.match = needle if callable(needle) else (lambda sql, params: needle in sql)
        self.error, self.left, self.injected = error, times, 0
        self._lock = threading.Lock()

    def check(self, sql: str, params: dict | None) -> None:
        with self._lock:
            if self.left and self.match(sql, params or {}):
                self.left -= 1
                self.injected += 1
                raise self.error


class FaultyClient:
    """Delegates to a real clickhouse-connect client after asking the budget whether to fail first."""

    def __init__(self, inner: Any, budget: Budget):
        self._inner, self._budget = inner, budget

    def command(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._budget.check(sql, kw.get("parameters"))
        return self._inner.command(sql, *args, **kw)

    def query(self, sql: str, *args: Any, **kw: Any) -> Any:
        self._budget.check(sql, kw.get("parameters"))
        return self._inner.query(sql, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def connection_drop() -> Exception:
    return OperationalError("Error executing HTTP request attempt 1 http://ch:8123: Connection reset by peer")


def timeout() -> Exception:
    return DatabaseError("Code: 159. DB::Exception: Timeout exceeded: elapsed 3600 seconds. (TIMEOUT_EXCEEDED)")


def memory_limit() -> Exception:
    return DatabaseError("Code: 241. DB::Exception: Memory limit (for query) exceeded. (MEMORY_LIMIT_EXCEEDED)")


def syntax_error() -> Exception:
    return DatabaseError("Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)")


def install(monkeypatch, needle, error: Exception, times: int = 1) -> Budget:
    """Every client the tasks open fails `times` times in all on statements matching `needle`."""
    import tasks.clickhouse as ch

    real, budget = ch.get_client, Budget(needle, error, times)

    def faulty(settings=None):
        db = real(settings)
        db.client = FaultyClient(db.client, budget)
        return db

    monkeypatch.setattr("tasks.runs.get_client", faulty)
    return budget
