"""`kefu create_integration NAME`: a shop integration and its sync API token, shown once."""

from django.core.management.base import BaseCommand, CommandError

from kefu.commerce.models import Integration
from kefu.commerce.services.integrations import create_integration


class Command(BaseCommand):
    help = "Create a shop integration and print its bearer token for the sync API (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A unique name, e.g. the shop system's.")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        if not name:
            raise CommandError("the integration needs a name")
        if Integration.objects.filter(name=name).exists():
            raise CommandError(f"an integration named {name!r} already exists")
        integration, token = create_integration(name)
        self.stderr.write(f"Integration {integration.name!r} created. Its token follows; it is shown only "
                          "this once, so store it now (send it as 'Authorization: Bearer <token>').")
        self.stdout.write(token)
