"""What people see in the Prefect UI: a progress artifact per stage, a validation report, top wallets."""

from __future__ import annotations

from collections.abc import Iterable

from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact, \
    update_progress_artifact
from prefect.futures import PrefectFuture, as_completed

from prefect.task_runners import ThreadPoolTaskRunner

from tasks.checks import Report
from tasks.registry import Outcome


def local_runner() -> ThreadPoolTaskRunner:
    """Partitions run in threads, POLYLEDGER_CONCURRENCY at a time (each with its own ClickHouse client)."""
    from tasks.settings import get_settings

    return ThreadPoolTaskRunner(max_workers=get_settings().pipeline.concurrency)


def gather(futures: Iterable[PrefectFuture], stage: str) -> list[Outcome]:
    """Wait for every partition, updating a progress artifact as each finishes; raise the first failure."""
    futures = list(futures)
    if not futures:
        return []
    art = create_progress_artifact(progress=0.0, key=f"{stage}-progress", description=f"{stage}: partitions done")
    done, outcomes, errors = 0, [], []
    for fut in as_completed(futures):
        done += 1
        update_progress_artifact(art, progress=100.0 * done / len(futures))
        try:
            outcomes.append(fut.result())
        except Exception as exc:  # keep waiting for the others: a failed partition must not orphan its siblings
            errors.append(exc)
    if errors:
        raise errors[0]
    return outcomes


def summary_table(stage: str, outcomes: list[Outcome]) -> None:
    rejected: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.rejected_by_reason.items():
            rejected[k] = rejected.get(k, 0) + v
    create_table_artifact(
        key=f"{stage}-partitions",
        table=[{"partition": o.partition, "rows_in": o.rows_in, "rows_out": o.rows_out,
                "rows_rejected": o.rows_rejected} for o in outcomes],
        description=f"{stage}: {len(outcomes)} partitions; rejected by reason: {rejected or 'none'}",
    )


def validation_report(report: Report) -> None:
    create_markdown_artifact(key="validation-report", markdown=report.markdown(), description="publication gate")


def leaderboard_table(rows: list[dict]) -> None:
    create_table_artifact(
        key="leaderboard-top",
        table=[{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
        description="top wallets by total FIFO PnL (USD), published",
    )
