"""The smart assistant's answer time against the 20 ms bound (issue 6): answers per second and p50/p95/p99.

Three measurements, each question answered alone as a request would be, after start-up (training and the
first calls are not timed):
  - understanding: normalise, classify (the cascade), search the FAQ — no database;
  - ask, anonymous: the whole service — the FAQ index's freshness query, the answer, the logged question
    (inside a transaction rolled back at the end, so the benchmark leaves nothing behind);
  - ask, signed-in: the same for customers of the database asking about their own orders, cases and prices
    (skipped when the database has no customer with orders; `make bench` seeds the large data set first).
Peer: the lexical model alone (no embeddings), the floor of the cascade.
The questions are the held-out set (241, none trained on), three passes, each starting with an empty
embedding LRU so no question is answered from a previous pass.

    .venv/bin/python benchmarks/assistant.py [passes]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
BOUND_MS = 20.0
PERSONAL = ["我的快递到哪了", "我的订单还能取消吗", "买了就降价了能退差价吗", "我的退款到哪了"]


def summary(name: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    p50 = statistics.median(ordered)
    rate = 1000 * len(ordered) / sum(ordered)
    return (f"{name:28s} n={len(ordered):5d}  {rate:8.0f} answers/s  p50 {p50:6.2f} ms  p95 {pct(0.95):6.2f}  "
            f"p99 {pct(0.99):6.2f}  max {ordered[-1]:7.2f}  p50/bound {p50 / BOUND_MS:5.2f}")


def timed(call, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        call(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(passes: int = 3) -> int:
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from kefu.assistant import engine, selectors, services
    from kefu.commerce.models import Customer

    call_command("migrate", verbosity=0)
    questions = [e.text for e in engine.heldout_examples()]
    rng = random.Random(6)

    print(f"training (embeddings cached under {engine.cache_dir()}) …", flush=True)
    cascade = engine.build()
    lexical = engine.build(use_embeddings=False)
    print(f"cascade trained in {cascade.train_seconds:.1f} s (embeddings: {cascade.embeddings}); "
          f"lexical in {lexical.train_seconds:.1f} s")
    index = selectors.faq_index()

    def understand(trained):
        def run(text):
            normalised, prediction = trained.understand(text)
            index.search(normalised, intent=prediction.intent, limit=1)
        return run

    def passes_of(call, items, trained) -> list[float]:
        samples: list[float] = []
        for _ in range(passes):
            if trained.classifier.embedding is not None:
                trained.classifier.embedding.embed.forget()
            order = list(items)
            rng.shuffle(order)
            samples += timed(call, order)
        return samples

    results = []
    for label, trained in (("cascade", cascade), ("lexical only (peer)", lexical)):
        engine.install(trained)
        for text in questions[:5]:  # start-up: first calls load tables, the index, the e5 engine
            services.ask(text, log=False)
        results.append(summary(f"understanding, {label}", passes_of(understand(trained), questions, trained)))
        with transaction.atomic():
            results.append(summary(f"ask anonymous, {label}",
                                   passes_of(lambda t: services.ask(t), questions, trained)))
            customers = list(Customer.objects.filter(orders__isnull=False).distinct().order_by("id")[:60])
            if customers:
                asks = [(c, q) for c in customers for q in PERSONAL]
                results.append(summary(f"ask signed-in, {label}",
                                       passes_of(lambda cq: services.ask(cq[1], customer=cq[0]), asks, trained)))
            transaction.set_rollback(True)
    engine.install(None)
    if not any("signed-in" in r for r in results):
        results.append("ask signed-in: skipped (no customer with orders in this database)")
    print(f"\nbound: median answer < {BOUND_MS:.0f} ms after start-up; p50/bound < 1 meets it")
    for line in results:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
