"""validate_and_publish: build the next publication, gate it, swap it in atomically (SPEC 5)."""

from __future__ import annotations

from prefect import flow

from flows.ui import leaderboard_table, validation_report
from tasks.errors import CheckFailed
from tasks.runs import stage_next, swap_next_in, top_wallets, validate


@flow(name="validate-and-publish", log_prints=True)
def validate_and_publish() -> str:
    """Copy the outputs into _next, check them, publish only if every check passes."""
    marker = stage_next()
    report = validate("next")
    validation_report(report)
    if not report.passed:
        raise CheckFailed(f"validation failed, publication unchanged: {report.failures()}", report.markdown())
    swap_next_in(marker)
    leaderboard_table(top_wallets(20))
    return report.markdown()
