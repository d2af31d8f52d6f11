"""`kefu receive_email [--file PATH]`: file one raw email (stdin by default) as a ticket or a ticket message.

For a local MTA: a Postfix pipe or an Exim transport runs `kefu receive_email` with the message on stdin
(docs/decisions/0006-inbound-email-webhook.md). Prints {"ticket", "outcome", "message_id"} as JSON. The exit
status speaks sysexits, as MTAs read it: 65 (EX_DATAERR, the MTA bounces) when the input is not an email or
has no sender, 75 (EX_TEMPFAIL, the MTA tries again later) when the database cannot be reached.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from kefu.core.errors import DomainError
from kefu.tickets import mail_in

EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 65, 66, 75


class Command(BaseCommand):
    help = ("File one raw RFC 822 email as a new ticket or as a message on the ticket it answers, and print "
            "the ticket number and the outcome (new, threaded, duplicate, ignored) as JSON.")
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--file", metavar="PATH", help="Read the message from this file instead of stdin.")

    def handle(self, *args, file: str | None = None, **options):
        if file:
            try:
                raw = Path(file).read_bytes()
            except OSError as exc:
                raise CommandError(f"{file}: {exc.strerror or exc}", returncode=EX_NOINPUT) from None
        else:
            stdin = options.get("stdin") or sys.stdin
            raw = getattr(stdin, "buffer", stdin).read()
        try:
            received = mail_in.receive(raw)
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=EX_DATAERR) from None
        except DatabaseError as exc:
            raise CommandError(f"database unavailable, try again later: {exc}", returncode=EX_TEMPFAIL) from None
        self.stdout.write(json.dumps({
            "ticket": received.ticket.number if received.ticket else None,
            "outcome": received.outcome,
            "message_id": received.message.email_message_id if received.message else None,
        }, ensure_ascii=False))
