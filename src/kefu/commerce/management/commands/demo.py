"""`kefu demo`: the embedded database, migrated and loaded with demo data, served on one port."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kefu.commerce.models import Order


class Command(BaseCommand):
    help = "Migrate, load the demo data set if the database is empty, print the logins and serve everything."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-serve", action="store_true", help="Prepare and print, but do not serve.")

    def handle(self, *args, host, port, seed, no_serve, **options):
        from kefu.commerce.seed import accounts_table

        db = settings.DATABASES["default"]
        self.stdout.write(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if Order.objects.exists():
            self.stdout.write(f"demo data: reusing the {Order.objects.count()} orders already loaded")
        else:
            call_command("seed", "--scale", "demo", "--seed", str(seed), "--no-accounts")
        # The assistant's embedding cache (var/assistant/), so the first question is answered at once; built once.
        call_command("assistant", "train", stdout=self.stdout)
        base = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"\nkefu is ready on {base}"))
        self.stdout.write(f"  portal {base}/   workbench {base}/workbench/   admin {base}/admin/   "
                          f"API docs {base}/api/docs\n")
        self.stdout.write(accounts_table(base))
        if not no_serve:
            call_command("serve", host=host, port=port)
