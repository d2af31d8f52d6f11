"""`kefu seed --scale demo|small|large --seed N [--anchor YYYY-MM-DD] [--flush] [--no-progress] [--verify]`.

The data itself is made by kefu.commerce.seed; this is the command-line face and the accounts table.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kefu.commerce.seed import SCALES, SeedError, accounts_table, run_seed


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--anchor wants a date like 2026-11-23, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Load deterministic, realistic demo data: customers, catalog, orders with payments, invoices, "
        "shipments and tracking, and one login per role. The same seed, anchor day and scale give the same "
        "rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="demo",
            help="demo ≈ 60 customers / 300 orders; small 2,000 / 20,000; large 200,000 / 1,000,000 (PostgreSQL only).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--anchor",
            type=_date,
            default=None,
            help="The day the data is 'now' for (YYYY-MM-DD, Asia/Shanghai); default today.",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete commerce data and the seeded users first (other users are kept).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Afterwards, check every order and after-sales case against the house rules (at large: 20,000 "
            "orders and 5,000 cases picked at random; the refund caps of every order).",
        )
        parser.add_argument("--no-accounts", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, scale, seed, anchor, flush, no_progress, verify, **options):
        try:
            report = run_seed(scale=scale, seed=seed, anchor=anchor, flush_first=flush, progress=not no_progress)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        if any(report.flushed.values()):
            self.stdout.write(
                f"flushed {report.flushed['orders']:,} orders, {report.flushed.get('cases', 0):,} after-sales cases, "
                f"{report.flushed.get('tickets', 0):,} tickets and {report.flushed['customers']:,} seeded logins"
            )
        rows = report.rows
        rate = report.total_rows / report.seconds if report.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"seeded {scale} (seed {seed}, anchor {report.anchor}): {rows['customer']:,} customers, "
                f"{rows['order']:,} orders, {rows['line']:,} lines, {rows['payment']:,} payments, "
                f"{rows['invoice']:,} invoices, {rows['shipment']:,} shipments, "
                f"{rows['event']:,} tracking events "
                f"in {report.seconds:.1f} s ({rate:,.0f} rows/s)"
            )
        )
        if report.aftersales is not None:
            self.stdout.write(f"  and {report.aftersales.summary()}")
            if report.aftersales.story_line():
                self.stdout.write(f"  {report.aftersales.story_line()}")
            if report.aftersales.missed:
                self.stderr.write("note: no order could carry these after-sales cases: "
                                  + "; ".join(report.aftersales.missed))
        if report.tickets is not None:
            self.stdout.write(f"  and {report.tickets.summary()}")
        if report.calls is not None and report.calls.calls:
            self.stdout.write(f"  and {report.calls.summary()}")
        if report.tiers_recomputed:
            self.stderr.write(f"note: recomputing tiers changed {report.tiers_recomputed} customers")
        if report.staff_kept:
            self.stderr.write(
                f"kept existing accounts not made by the seed (password unchanged): {', '.join(report.staff_kept)}"
            )
        if verify:
            from kefu.commerce.seed.verify import problems

            sample = 20_000 if scale == "large" else None
            found = problems(sample=sample)
            if found:
                raise CommandError("the seeded data breaks house rules:\n  " + "\n  ".join(found))
            checked = f"{sample:,} orders picked at random pass" if sample else "every order passes"
            self.stdout.write(f"verified: {checked} the amount, status and tracking checks")
            from kefu.aftersales.seed.verify import case_problems

            case_sample = 5_000 if scale == "large" else None
            found = case_problems(sample=case_sample)
            if found:
                raise CommandError("the seeded after-sales cases break house rules:\n  " + "\n  ".join(found))
            checked = f"{case_sample:,} cases picked at random pass" if case_sample else "every case passes"
            self.stdout.write(f"verified: {checked} the state machine, timestamp and refund checks; "
                              "the refunds of every order stay within what it paid")
        if not options["no_accounts"]:
            self.stdout.write("\n" + accounts_table())
