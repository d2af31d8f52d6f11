"""Getting generated rows into the database, and getting seeded data out again.

- PostgreSQL: COPY … FROM STDIN through psycopg 3 (`cursor.copy()` + `write_row`), one COPY per table per
  batch, with primary keys assigned by the generator; the sequences are moved past them afterwards.
- Anything else (SQLite): Django's bulk_create in batches, primary keys assigned the same way.

Both paths bypass the services on purpose: no AuditEntry, no OutboxEvent, no signals — seeded history is
not news. Primary keys continue after the highest ever handed out (the sequence), so the audit entries of
flushed rows can never attach themselves to new ones.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from ..models import (
    Address,
    Carrier,
    Category,
    Customer,
    EnterpriseQualification,
    Invoice,
    Order,
    OrderLine,
    Payment,
    Product,
    Seller,
    Shipment,
    Sku,
    TrackingEvent,
)
from .people import STAFF_EMAIL_DOMAIN


class SeedError(Exception):
    """The seed cannot run as asked (non-empty database, wrong database for the scale …)."""


def table_specs() -> dict[str, tuple[type, tuple[str, ...]]]:
    """Table key -> (model, columns in the order the generators emit them). Written in this order."""
    User = get_user_model()
    return {
        "user": (
            User,
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ),
        ),
        "user_groups": (User.groups.through, ("id", "user_id", "group_id")),
        "customer": (
            Customer,
            (
                "id",
                "user_id",
                "name",
                "phone",
                "email",
                "tier",
                "spend_12m",
                "tier_computed_at",
                "created_at",
            ),
        ),
        "address": (
            Address,
            (
                "id",
                "customer_id",
                "recipient",
                "phone",
                "province",
                "city",
                "district",
                "detail",
                "is_default",
            ),
        ),
        "qualification": (
            EnterpriseQualification,
            (
                "id",
                "customer_id",
                "company_name",
                "taxpayer_id",
                "registered_address",
                "registered_phone",
                "bank_name",
                "bank_account",
                "general_taxpayer_certificate",
                "business_licence",
                "tax_registration_certificate",
                "bank_account_permit",
            ),
        ),
        "order": (
            Order,
            (
                "id",
                "number",
                "integration_id",
                "external_id",
                "customer_id",
                "seller_id",
                "status",
                "payment_method",
                "placed_at",
                "payment_deadline",
                "paid_at",
                "shipped_at",
                "signed_at",
                "completed_at",
                "cancelled_at",
                "cancel_reason",
                "goods_amount",
                "coupon_discount",
                "points_used",
                "points_discount",
                "shipping_fee",
                "payable_amount",
                "recipient_name",
                "recipient_phone",
                "shipping_address",
                "buyer_note",
            ),
        ),
        "line": (
            OrderLine,
            (
                "id",
                "order_id",
                "sku_id",
                "product_name",
                "quantity",
                "unit_price",
                "paid_amount",
                "buyer_confirmed_nonreturnable",
            ),
        ),
        "payment": (Payment, ("id", "order_id", "channel", "amount", "paid_at", "transaction_id")),
        "invoice": (Invoice, ("id", "order_id", "kind", "title", "qualification_id", "amount")),
        "shipment": (
            Shipment,
            (
                "id",
                "order_id",
                "carrier_id",
                "tracking_number",
                "shipped_at",
                "promised_start",
                "promised_end",
                "last_code",
                "last_event_at",
                "exception_kind",
                "signed_at",
            ),
        ),
        "event": (
            TrackingEvent,
            ("id", "shipment_id", "occurred_at", "place", "code", "exception_kind", "description"),
        ),
    }


# Commerce tables, children before parents. Integrations are configuration, not data: kept.
COMMERCE_LEAF_FIRST = (
    TrackingEvent,
    Shipment,
    Invoice,
    Payment,
    OrderLine,
    Order,
    EnterpriseQualification,
    Address,
    Customer,
    Sku,
    Product,
    Category,
    Seller,
    Carrier,
)


class _Table:
    """A model, the columns the generator fills, and the values for any other columns (another engineer may
    add a field with a default; it gets its default rather than breaking the seed)."""

    def __init__(self, model, columns: tuple[str, ...]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise SeedError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        extra_names, extra_values = [], []
        for name, f in fields.items():
            if name in columns:
                continue
            if f.has_default():
                extra_values.append(f.get_default())
            elif f.null:
                extra_values.append(None)
            else:
                raise SeedError(f"{model.__name__}.{name} is required and has no default: teach the seed about it")
            extra_names.append(name)
        self.model = model
        self.attnames = tuple(columns) + tuple(extra_names)
        self.extra = tuple(extra_values)
        self.db_columns = tuple(fields[name].column for name in self.attnames)


class Writer:
    def __init__(self, specs: dict[str, tuple[type, tuple[str, ...]]] | None = None):
        """`specs`: table key -> (model, columns), written in this order; default: the commerce tables."""
        self.tables = {key: _Table(model, cols) for key, (model, cols) in (specs or table_specs()).items()}
        self.written: dict[str, int] = dict.fromkeys(self.tables, 0)

    def write(self, rows: dict[str, list[tuple]]) -> None:
        for key, table in self.tables.items():
            batch = rows.get(key)
            if batch:
                if table.extra:
                    batch = [row + table.extra for row in batch]
                self._write(key, table, batch)
                self.written[key] += len(batch)

    def _write(self, key: str, table: _Table, rows: list[tuple]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Move every sequence past the keys we assigned."""
        models = [t.model for t in self.tables.values()]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


class CopyWriter(Writer):
    """PostgreSQL COPY FROM STDIN via the raw psycopg 3 connection (inside Django's transaction).

    Like pg_restore, it loads before it indexes: the foreign keys, unique constraints and secondary indexes
    of the tables it fills are dropped first and recreated at the end — one sorted build per index and one
    join per foreign key instead of millions of random index insertions and per-row trigger checks. It all
    happens inside the seed's transaction, so a failure (or a broken foreign key) leaves nothing behind;
    other sessions that touch these tables wait until the seed commits.
    """

    # Everything the generators fill except auth_user itself (other apps' rows depend on its indexes).
    DEFERRED = (
        "user_groups",
        "customer",
        "address",
        "qualification",
        "order",
        "line",
        "payment",
        "invoice",
        "shipment",
        "event",
    )

    def __init__(self, specs=None, deferred: tuple[str, ...] | None = None):
        super().__init__(specs)
        if deferred is not None:  # another set of tables (the after-sales seed's)
            self.DEFERRED = deferred
        connection.ensure_connection()
        self.raw = connection.connection
        qn = connection.ops.quote_name
        self.sql = {
            key: f"COPY {qn(t.model._meta.db_table)} ({', '.join(qn(c) for c in t.db_columns)}) FROM STDIN"
            for key, t in self.tables.items()
        }
        self.restore: list[str] = []
        self._prepared = False

    def _prepare(self) -> None:
        qn = connection.ops.quote_name
        indexes, uniques, foreign_keys, drops = [], [], [], []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Check what the ORM wrote so far in this transaction (staff accounts): ALTER TABLE refuses
            # a table with pending deferred trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for key in self.DEFERRED:
                table = self.tables[key].model._meta.db_table
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                    [table],
                )
                for name, kind, definition in cursor.fetchall():
                    drops.append(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                    add = f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}"
                    (foreign_keys if kind == "f" else uniques).append(add)
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
                    "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
                    "ORDER BY 1",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    drops.append(f"DROP INDEX {qn(name)}")
                    indexes.append(definition)
            for sql in drops:
                cursor.execute(sql)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.restore = indexes + uniques + foreign_keys
        self._prepared = True

    def write(self, rows: dict[str, list[tuple]]) -> None:
        if not self._prepared:
            self._prepare()
        super().write(rows)

    def _write(self, key: str, table: _Table, rows: list[tuple]) -> None:
        with self.raw.cursor() as cursor, cursor.copy(self.sql[key]) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def finish(self) -> None:
        super().finish()
        with connection.cursor() as cursor:
            for sql in self.restore:
                cursor.execute(sql)
            for t in self.tables.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(t.model._meta.db_table)}")


class BulkWriter(Writer):
    """Django bulk_create, for SQLite (and any other database)."""

    BATCH = 2000

    def _write(self, key: str, table: _Table, rows: list[tuple]) -> None:
        model, names = table.model, table.attnames
        objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=self.BATCH)


def make_writer(specs=None, deferred: tuple[str, ...] | None = None) -> Writer:
    """COPY on PostgreSQL, bulk_create elsewhere; `specs`/`deferred`: other tables than the commerce ones."""
    if connection.vendor == "postgresql":
        return CopyWriter(specs, () if specs is not None and deferred is None else deferred)
    return BulkWriter(specs)


# --- ids ------------------------------------------------------------------------------------------------
def first_free_ids(specs=None) -> dict[str, int]:
    """Per table key (of `specs`, default the commerce tables): one past the highest id ever handed out."""
    qn = connection.ops.quote_name
    ids = {}
    with connection.cursor() as cursor:
        for key, (model, _) in (specs or table_specs()).items():
            table = model._meta.db_table
            cursor.execute(f"SELECT MAX(id) FROM {qn(table)}")
            highest = cursor.fetchone()[0] or 0
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                    last, called = cursor.fetchone()
                    highest = max(highest, last if called else last - 1)
            elif connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
            ids[key] = highest + 1
    return ids


# --- what is there, and taking it out -------------------------------------------------------------------
def existing_data() -> dict[str, int]:
    """Counts of the commerce rows that make a database 'not empty' for the seed (zeros left out)."""
    counts = {}
    for model in (Customer, Order, Product, Sku, Seller, Carrier, Category):
        if model.objects.exists():
            counts[model._meta.verbose_name_plural] = model.objects.count()
    return {str(k): v for k, v in counts.items()}


def seeded_staff():
    return get_user_model().objects.filter(email__endswith=f"@{STAFF_EMAIL_DOMAIN}")


@transaction.atomic
def flush() -> dict[str, int]:
    """Delete all commerce data (customers, catalog, orders … but not integrations), the after-sales cases on
    those orders (with their evidence files, once committed), the tickets (with their messages, clocks, visits,
    notices and the handovers that list them), the seeded calls (other calls lose their link to the customers),
    the customers' logins and the staff accounts the seed made (with
    their agent profiles and roster). Nothing else: other users, the audit log, the outbox, the canned replies
    and the rest of the ticket configuration stay.

    All or nothing: if another app's rows still point at an order or a customer, the database refuses and
    the error says which table.
    """
    from kefu.aftersales.seed import FLUSH_MODELS, delete_files_on_commit, evidence_files
    from kefu.calls.seed import forget_calls
    from kefu.tickets.seed import FLUSH_MODELS as TICKET_MODELS
    from kefu.tickets.seed import seeded_staff_rows

    User = get_user_model()
    user_ids = list(Customer.objects.values_list("user_id", flat=True))
    staff_ids = list(seeded_staff().values_list("id", flat=True))
    user_ids += staff_ids
    counts = {"orders": Order.objects.count(), "customers": len(user_ids), "cases": FLUSH_MODELS[-1].objects.count(),
              "tickets": TICKET_MODELS[-1].objects.count()}
    files = evidence_files()
    qn = connection.ops.quote_name
    # Tickets point at cases, orders and customers, after-sales cases at orders (PROTECT): they go first, in the
    # same TRUNCATE (PostgreSQL refuses to truncate a table another one refers to unless both are truncated
    # together).
    tables = [qn(m._meta.db_table) for m in (*TICKET_MODELS, *FLUSH_MODELS, *COMMERCE_LEAF_FIRST)]
    ticket_table = qn(TICKET_MODELS[-1]._meta.db_table)
    try:
        seeded_staff_rows(staff_ids)
        counts["calls"] = forget_calls()
        with connection.cursor() as cursor:
            # Tickets refer to tickets (merged into, split from): cut those links so the rows go in any order.
            cursor.execute(f"UPDATE {ticket_table} SET merged_into_id = NULL, parent_id = NULL "
                           "WHERE merged_into_id IS NOT NULL OR parent_id IS NOT NULL")
            if connection.vendor == "postgresql":
                try:
                    with transaction.atomic():
                        cursor.execute(f"TRUNCATE {', '.join(tables)}")
                except DatabaseError:  # another app's table points at ours: delete row by row instead
                    for table in tables:
                        cursor.execute(f"DELETE FROM {table}")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")
        step = 5000
        for i in range(0, len(user_ids), step):
            User.objects.filter(pk__in=user_ids[i : i + step]).delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # SQLite checks deferred foreign keys only at commit
                cursor.execute("PRAGMA foreign_key_check")
                broken = cursor.fetchall()
            if broken:
                raise DatabaseError(f"rows in {sorted({b[0] for b in broken})} still refer to seeded data")
    except DatabaseError as exc:
        raise SeedError(f"--flush refused: other data refers to the seeded rows ({exc}). Nothing was deleted.") from exc
    delete_files_on_commit(files)
    return counts
