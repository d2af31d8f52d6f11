"""Policy decisions per second: the pure function, and `kefu policy check` on a file of 100,000 requests.

Prints both rates and their ratio (the command's overhead: Django start-up, JSON in and out, validation).
Runs standalone: `.venv/bin/python benchmarks/policy.py [N]`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from kefu.aftersales.policy import decide, decision_to_dict, parse_request

MIX = [  # (reason, request, weight) — roughly what a shop's after-sales queue looks like
    ("no_reason", "return", 30), ("no_reason", "exchange", 8), ("quality_serious", "return", 10),
    ("quality_serious", "exchange", 6), ("quality_serious", "repair", 6), ("quality_minor", "refund_only", 8),
    ("damaged_in_transit", "return", 6), ("wrong_item", "return", 6), ("wrong_item", "exchange", 3),
    ("missing_item", "reship", 5), ("missing_item", "refund_only", 4), ("price_drop", "price_protection", 8),
]
ATTRS = ["fresh", "customised", "digital_download", "sealed_av_software", "periodical", "declared_nonreturnable"]
CONDITIONS = ["intact"] * 6 + ["opened_for_inspection"] * 3 + ["seal_broken", "used", "damaged", "tags_removed"]


def generate(n: int, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    reasons = rng.choices(MIX, weights=[w for *_, w in MIX], k=n)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for reason, kind, _ in reasons:
        lines = [{"sku": f"SKU-{j}", "unit_paid": f"{rng.randint(100, 99999) / 100:.2f}", "qty": rng.randint(1, 3),
                  "attrs": [rng.choice(ATTRS)] if rng.random() < 0.1 else [],
                  "buyer_confirmed_nonreturnable": rng.random() < 0.5,
                  "warranty_days": rng.choice([0, 15, 180, 365])} for j in range(rng.randint(1, 4))]
        picked = rng.sample(lines, 1 if reason == "price_drop" else rng.randint(1, len(lines)))
        ordered = base + timedelta(seconds=rng.randint(0, 86400 * 30))
        signed = None if rng.random() < 0.05 else ordered + timedelta(seconds=rng.randint(86400, 86400 * 4))
        now = (signed or ordered) + timedelta(seconds=rng.randint(0, 86400 * rng.choice([10, 20, 400])))
        raw = {"now": now.isoformat(), "request": kind, "reason": reason,
               "order": {"ordered_at": ordered.isoformat(), "signed_at": signed and signed.isoformat(),
                         "shipping_fee": rng.choice(["0.00", "6.00", "8.00"]), "lines": lines},
               "items": [{"sku": p["sku"], "qty": rng.randint(1, p["qty"]), "condition": rng.choice(CONDITIONS)}
                         for p in picked],
               "evidence": ["photo"] if rng.random() < 0.8 else [],
               "return_postage": f"{rng.randint(0, 2000) / 100:.2f}", "repairs_failed": rng.choice([0, 0, 1, 2])}
        if reason == "price_drop":
            drop = Decimal(rng.randint(-500, 3000)) / 100
            raw["current_unit_price"] = f"{max(Decimal(0), Decimal(picked[0]['unit_paid']) - drop):.2f}"
        out.append(raw)
    return out


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} /s  ({seconds:.2f} s)"


def main(n: int = 100_000) -> int:
    raws = generate(n)
    requests = [parse_request(raw) for raw in raws]

    start = time.perf_counter()
    decisions = [decide(r) for r in requests]
    pure = time.perf_counter() - start

    start = time.perf_counter()
    for raw in raws:
        decision_to_dict(decide(parse_request(raw)))
    parsed = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.json"
        path.write_text(json.dumps(raws), encoding="utf-8")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings"}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "kefu.cli", "policy", "check", str(path)],
                                capture_output=True, env=env)
        command = time.perf_counter() - start
        if result.returncode:
            print(result.stderr.decode(), file=sys.stderr)
            return result.returncode
        printed = json.loads(result.stdout)
        assert len(printed) == n and printed[0] == decision_to_dict(decisions[0])

    allowed = sum(d.allowed for d in decisions)
    print(f"policy decisions, {n:,} generated requests ({allowed / n:.0%} allowed, {len({d.rule for d in decisions})} "
          "rule codes seen)")
    print(f"  pure decide()                         {rate(n, pure)}")
    print(f"  parse JSON dict + decide + to dict    {rate(n, parsed)}")
    print(f"  `kefu policy check FILE` (subprocess) {rate(n, command)}")
    print(f"  ratio pure / command: {pure and command / pure:.1f}× — the command's overhead "
          "(process and Django start-up, json load/dump, validation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
