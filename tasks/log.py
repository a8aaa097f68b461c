"""structlog setup: JSON lines outside Prefect; inside a run, events also reach the Prefect run logger."""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False


def _to_prefect(logger, method: str, event: dict) -> dict:
    """Forward each event to the Prefect run logger when there is a run (so it shows in the UI)."""
    try:
        from prefect.context import FlowRunContext, TaskRunContext
        from prefect.logging import get_run_logger

        if TaskRunContext.get() or FlowRunContext.get():
            fields = " ".join(f"{k}={v}" for k, v in event.items() if k not in ("event", "timestamp", "level"))
            getattr(get_run_logger(), method if method in ("info", "warning", "error") else "info")(
                f"{event.get('event')} {fields}".strip())
        else:
            return event
    except Exception:  # logging must never break a run
        return event
    raise structlog.DropEvent  # the Prefect logger has it (console and UI): do not print it twice


def configure(level: int = logging.INFO) -> None:
    """Call once at process start."""
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _to_prefect,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    _configured = True


def get_logger(name: str = "polyledger"):
    configure()
    return structlog.get_logger(name)
