"""State shared by the generators: the random stream, the anchor, id counters and the row buffers.

Rows are plain tuples in the column order of writer.TABLES, so the same rows feed PostgreSQL COPY and
Django's bulk_create. Times are whole seconds since the epoch while generating (cheap arithmetic) and
become aware datetimes (UTC) only when a row is emitted.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from .catalog import CatalogIndex
from .pools import Pools

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai has had no daylight saving time since 1991
MINUTE, HOUR, DAY = 60, 3600, 86400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def anchor_timestamp(anchor: date) -> int:
    """Midnight at the start of the anchor day in Asia/Shanghai, as epoch seconds."""
    return int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=SHANGHAI).timestamp())


def to_datetime(ts: int | None) -> datetime | None:
    return None if ts is None else EPOCH + timedelta(seconds=ts)


def money(cents: int) -> Decimal:
    """Exact CNY from integer cents (the generator does all its arithmetic in cents)."""
    return Decimal(cents).scaleb(-2)


def local_midnight(ts: int) -> int:
    return (ts + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET


class Permutation:
    """A bijection of range(10**digits): i -> (a·i + b) mod 10**digits, with a coprime to 10.

    Numbers derived from a running index through it look random but can never collide.
    """

    def __init__(self, rng: random.Random, digits: int):
        self.modulus = 10**digits
        a = rng.randrange(self.modulus // 3, self.modulus)
        while math.gcd(a, 10) != 1:
            a += 1
        self.a, self.b = a, rng.randrange(self.modulus)

    def __call__(self, i: int) -> int:
        return (self.a * i + self.b) % self.modulus


@dataclass
class SeedContext:
    rng: random.Random
    anchor_ts: int
    pools: Pools
    catalog: CatalogIndex
    password_hash: str
    customer_group_id: int
    next_id: dict[str, int]  # table key -> next primary key to hand out
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        pk = self.next_id[table]
        self.next_id[table] = pk + 1
        return pk

    def count(self, name: str) -> int:
        """A running index (0, 1, 2 …) per kind of generated number, independent of database ids."""
        n = self.counters.get(name, 0)
        self.counters[name] = n + 1
        return n

    def emit(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def take_rows(self) -> dict[str, list[tuple]]:
        rows, self.rows = self.rows, {}
        return rows
