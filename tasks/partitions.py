"""Partition arithmetic: day chunks, wallet shards, the validity window, scratch-table swaps."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from tasks.clickhouse import Db
from tasks.errors import InputError

HEX = "0123456789abcdef"
EARLIEST = datetime(2020, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Window:
    """Trade times outside [min_time, max_time] are rejected (SPEC 3.2)."""

    min_time: datetime
    max_time: datetime

    @classmethod
    def now(cls) -> "Window":
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return cls(EARLIEST, now + timedelta(days=1))

    def params(self) -> dict[str, datetime]:
        return {"min_time": self.min_time, "max_time": self.max_time}


def parse_day(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise InputError(f"{what} must be YYYY-MM-DD, got {str(text)[:40]!r}") from None


def day_chunks(start: date, end: date, chunk_days: int) -> list[tuple[date, date]]:
    """[start, end] inclusive cut into half-open chunks [a, b) of chunk_days days."""
    if end < start:
        raise InputError(f"--end {end} is before --start {start}")
    out, a = [], start
    while a <= end:
        b = min(a + timedelta(days=chunk_days), end + timedelta(days=1))
        out.append((a, b))
        a = b
    return out


def day_bounds(a: date, b: date) -> dict[str, datetime]:
    """Query parameters start/end: midnight UTC of days a and b (a half-open range of trade times)."""
    return {"start": datetime.combine(a, time(), timezone.utc), "end": datetime.combine(b, time(), timezone.utc)}


def days_in(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days)]


def all_shards(width: int) -> list[str]:
    if width == 1:
        return list(HEX)
    if width == 2:
        return [x + y for x in HEX for y in HEX]
    raise InputError("shard width must be 1 or 2")


def parse_shards(spec: str | None, width: int) -> list[str]:
    """'0-f', '3a,3b', '0-3,a' or None (all) -> sorted shard prefixes of the given width."""
    if not spec:
        return all_shards(width)
    chosen: set[str] = set()
    for part in spec.lower().split(","):
        part = part.strip()
        if "-" in part:
            lo, _, hi = part.partition("-")
            chosen.update(s for s in all_shards(len(lo)) if lo <= s <= hi and len(lo) == len(hi))
            if len(lo) != len(hi) or lo not in all_shards(len(lo)) or hi not in all_shards(len(hi)):
                raise InputError(f"bad shard range {part!r} (e.g. 0-f or 00-3f)")
        elif part and all(c in HEX for c in part) and len(part) <= 2:
            chosen.add(part)
        else:
            raise InputError(f"bad shard {part!r}: 1 or 2 hex characters")
    return sorted(chosen)


def storage_partitions(prefix: str) -> list[str]:
    """Lots and positions are partitioned by two hex characters; a 1-character shard spans 16."""
    return [prefix + c for c in HEX] if len(prefix) == 1 else [prefix]


def sub_shards(rows: int, bytes_per_row: int, max_memory: int) -> int:
    """Slices of a shard so each FIFO query's working set stays under half the memory cap."""
    if max_memory <= 0:
        return 1
    return max(1, math.ceil(rows * bytes_per_row / (max_memory / 2)))


@contextmanager
def scratch_like(db: Db, target: str, prefix: str) -> Iterator[str]:
    """A scratch copy of `target`'s structure, dropped afterwards whatever happens."""
    name = db.scratch(prefix)
    db.run("create_scratch_like", purpose=f"create scratch for {target}", idents={"scratch": name, "target": target})
    try:
        yield name
    finally:
        db.run("drop_scratch", purpose="drop scratch", idents={"scratch": name})


def swap_in(db: Db, target: str, scratch: str, partitions: list[str]) -> None:
    """Make each partition of `target` equal to the scratch copy (absent there: emptied). Idempotent."""
    present = {r["partition"] for r in db.rows("select_scratch_partitions", database=db.database, table=scratch)}
    for p in partitions:
        name = "replace_partition" if p in present else "drop_partition"
        db.run(name, purpose=f"{name.split('_')[0]} {target} partition {p}",
               idents={"target": target, "scratch": scratch}, partition=p)
