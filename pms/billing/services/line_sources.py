"""Other domains' lines on the billing run's bills (elder-care visits), through a small hook.

A billing run stages the fee plan's items into its staging table (`staging.STAGE`, columns
`staging.STAGE_COLUMNS`); then each registered source stages its own lines there with INSERT …
SELECT, in the run's transaction. After the run has written the bill lines, each source records
which of its rows they charged (`record`), so a rerun or the next period bills nothing twice; a
preview only stages and discards. Billing imports no such domain: the domain registers itself
(`register`, from its services' `init_app`), as the ledger checks register with `pms audit verify`.
"""
from __future__ import annotations

from typing import Protocol


class LineSource(Protocol):
    """What a domain that puts lines on bills provides (every method flushes only)."""

    name: str

    def stage(self, session, pg: bool, estate_ids: list[int], period: str) -> None:
        """INSERT … SELECT the estates' lines of the period into the run's staging table (amount > 0
        only; the column `estate_id` says whose)."""

    def record(self, session, pg: bool, run_ids: list[int]) -> None:
        """Mark what the runs' bill lines charged (same transaction), then drop own staging."""

    def discard(self, session) -> None:
        """Drop own staging (a preview, or a run that issued no bill)."""


_SOURCES: dict[str, LineSource] = {}


def register(source: LineSource) -> None:
    """Add a source (idempotent by name: app factories may run more than once)."""
    _SOURCES[source.name] = source


def sources() -> list[LineSource]:
    """The registered sources, in name order (the order their lines are staged)."""
    return [_SOURCES[name] for name in sorted(_SOURCES)]
