"""`kefu assistant ask|eval|train|load-faq`: the smart assistant from the command line (docs/assistant.md).

    kefu assistant ask "我的快递到哪了" [--customer 13800000000] [--channel web]
    kefu assistant ask --file questions.txt [--customer PHONE]     one JSON line per question
    kefu assistant eval [--compare] [--json] [--file held-out.txt]
    kefu assistant train                                          train now (warms the embedding cache)
    kefu assistant load-faq                                       add faq.json entries the database lacks
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import translation

from kefu.commerce.selectors import customer_by_phone
from kefu.core.errors import DomainError

from ... import engine, evaluation, retrieval, selectors, services
from ...intent import read_examples
from ...models import Channel
from ...normalise import normalise


class Command(BaseCommand):
    help = "The smart assistant: answer questions, evaluate the intent model, train it, load the FAQ file."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ask|eval|train|load-faq")
        ask = actions.add_parser("ask", help="Answer a question (or every line of --file) as JSON.")
        ask.add_argument("question", nargs="?", help="the question, in simplified or traditional Chinese")
        ask.add_argument("--file", help="a UTF-8 text file, one question per line; prints one JSON line each")
        ask.add_argument("--customer", help="answer as the customer with this mobile number (their orders)")
        ask.add_argument("--channel", default=Channel.WEB, choices=Channel.values)
        ev = actions.add_parser("eval", help="Accuracy, per-intent precision/recall and confusion on the "
                                             "held-out set.")
        ev.add_argument("--file", help="another held-out file (intent<TAB>faq key or -<TAB>question)")
        ev.add_argument("--compare", action="store_true", help="also the lexical model alone and the blend alone")
        ev.add_argument("--lexical-only", action="store_true", help="no embedding model (fast; what tests use)")
        ev.add_argument("--json", dest="as_json", action="store_true", help="the figures as one JSON object")
        actions.add_parser("train", help="Train now: the first request then answers at once.")
        actions.add_parser("load-faq", help="Add the entries of data/faq.json the knowledge base lacks.")

    def handle(self, *args, action: str, **options):
        translation.activate(settings.LANGUAGE_CODE)  # answers in the shop's language, as on the portal
        {"ask": self.ask, "eval": self.eval, "train": self.train, "load-faq": self.load_faq}[action](**options)

    # --- ask -----------------------------------------------------------------------------------------------

    def ask(self, *, question: str | None, file: str | None, customer: str | None, channel: str, **_options):
        if bool(question) == bool(file):
            raise CommandError("give a question or --file, not both")
        who = self._customer(customer)
        questions = self._lines(file) if file else [question]
        for text in questions:
            try:
                answer = services.ask(text, customer=who, channel=channel, log=False)
            except DomainError as exc:
                raise CommandError(f"{exc.field}: {exc.message} ({text[:40]!r})") from None
            self.stdout.write(json.dumps(answer.summary(), ensure_ascii=False))

    def _customer(self, phone: str | None):
        if not phone:
            return None
        try:
            found = customer_by_phone(phone)
        except ValueError as exc:
            raise CommandError(f"--customer: {exc}") from None
        if found is None:
            raise CommandError(f"--customer: no customer has the number {phone}")
        return found

    def _lines(self, file: str) -> list[str]:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        return [line.strip() for line in lines if line.strip()]

    # --- eval ----------------------------------------------------------------------------------------------

    def eval(self, *, file: str | None, compare: bool, lexical_only: bool, as_json: bool, **_options):
        try:
            examples = read_examples(Path(file)) if file else engine.heldout_examples()
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        trained = engine.build(use_embeddings=not lexical_only)
        index = self._index()
        modes = ["lexical", "blend", ""] if compare and trained.embeddings else [""]
        reports = []
        for force in modes:
            if trained.classifier.embedding is not None:
                trained.classifier.embedding.embed.forget()  # every question embedded from scratch
            reports.append(evaluation.evaluate(trained.classifier, examples, index, force=force,
                                               handoff_below=engine.handoff_below()))
        if as_json:
            out = {"train_seconds": round(trained.train_seconds, 2), "embeddings": trained.embeddings,
                   "reports": [r.as_dict() for r in reports]}
            self.stdout.write(_dumps(out))
            return
        self.stdout.write(f"trained in {trained.train_seconds:.1f} s; embeddings: {trained.embeddings}")
        for report in reports:
            self.stdout.write("")
            self.stdout.write(evaluation.format_report(report))

    def _index(self) -> retrieval.FaqIndex:
        """The live knowledge base; the shipped file when the database has none (a fresh checkout)."""
        try:
            index = selectors.faq_index()
        except DatabaseError:  # not migrated yet
            index = None
        if index is not None and len(index):
            return index
        docs = [retrieval.FaqDoc(id=i, key=e["key"], question=e["question"], intent=e["intent"],
                                 channels=frozenset(e.get("channels", ["web", "app", "chat"])),
                                 text=normalise("\n".join([e["question"], *e["alternatives"], e["answer"]])),
                                 answer=e["answer"])
                for i, e in enumerate(engine.faq_file(), start=1)]
        return retrieval.FaqIndex(docs)

    # --- train, load-faq -----------------------------------------------------------------------------------

    def train(self, **_options):
        trained = engine.build()
        self.stdout.write(f"trained in {trained.train_seconds:.1f} s; embeddings: {trained.embeddings}; "
                          f"cache: {engine.cache_dir()}")

    def load_faq(self, **_options):
        added = services.load_faq_file(by="command:load-faq")
        self.stdout.write(f"added {added} FAQ entr{'y' if added == 1 else 'ies'}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
