"""`kefu assistant eval`: accuracy, per-intent precision and recall, a confusion table, FAQ top-1 and answer
time on the held-out questions (data/intents_heldout.txt), which no model ever trains on. No Django.

Each question is answered one at a time, as a request would be (normalise, classify, search the FAQ), so
the times are per answer after start-up, not a batch's average.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .intent import INTENTS, Example, IntentClassifier
from .normalise import normalise
from .retrieval import FaqIndex

SHORT = {  # column heads of the confusion table
    "order_status": "ord", "delivery_time": "dlv", "product_mismatch": "mis", "quality_repair": "qua",
    "payment": "pay", "invoice": "inv", "restock": "stk", "price_protection": "prc", "cancel_order": "cnl",
    "installation": "ins", "authenticity_warranty": "war", "cod": "cod", "return_exchange": "ret",
    "refund_status": "rfd", "complaint": "cmp", "human_agent": "hum", "logistics_problem": "log",
    "product_question": "pro", "other": "oth",
}


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    pairs: Counter = field(default_factory=Counter)  # (gold, predicted) -> count
    faq_asked: int = 0
    faq_correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    paths: Counter = field(default_factory=Counter)
    handoff_threshold: float = 0.0
    below_threshold: int = 0
    correct_above: int = 0
    mode: str = ""

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def precision(self, intent: str) -> float:
        predicted = sum(n for (_g, p), n in self.pairs.items() if p == intent)
        return self.pairs[(intent, intent)] / predicted if predicted else 0.0

    def recall(self, intent: str) -> float:
        gold = sum(n for (g, _p), n in self.pairs.items() if g == intent)
        return self.pairs[(intent, intent)] / gold if gold else 0.0

    def support(self, intent: str) -> int:
        return sum(n for (g, _p), n in self.pairs.items() if g == intent)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def as_dict(self) -> dict:
        return {
            "mode": self.mode, "questions": self.total, "accuracy": round(self.accuracy, 4),
            "per_intent": {i: {"precision": round(self.precision(i), 4), "recall": round(self.recall(i), 4),
                               "support": self.support(i)} for i in INTENTS},
            "confusion": {g: {p: self.pairs[(g, p)] for p in INTENTS if self.pairs[(g, p)]} for g in INTENTS},
            "faq_top1": round(self.faq_correct / self.faq_asked, 4) if self.faq_asked else None,
            "faq_questions": self.faq_asked,
            "latency_ms": {"p50": round(statistics.median(self.latencies_ms), 2) if self.latencies_ms else None,
                           "p95": round(self.percentile(0.95), 2), "max": round(max(self.latencies_ms, default=0), 2)},
            "paths": dict(self.paths),
            "handoff_below": self.handoff_threshold,
            "handed_off": self.below_threshold,
            "accuracy_when_answered": round(self.correct_above / (self.total - self.below_threshold), 4)
            if self.total > self.below_threshold else None,
        }


def evaluate(classifier: IntentClassifier, examples: Sequence[Example], index: FaqIndex | None = None, *,
             force: str = "", handoff_below: float = 0.0, channel: str = "web",
             clock: Callable[[], float] = time.perf_counter) -> Report:
    report = Report(handoff_threshold=handoff_below, mode=force or "cascade")
    for example in examples[:3]:  # start-up: first calls load tables and warm caches
        classifier.classify_many([normalise(example.text)], force=force)
    for example in examples:
        started = clock()
        normalised = normalise(example.text)
        prediction = classifier.classify_many([normalised], force=force)[0]
        hits = index.search(normalised, intent=prediction.intent, channel=channel, limit=1) if index else []
        report.latencies_ms.append((clock() - started) * 1000)
        report.total += 1
        report.paths[prediction.path] += 1
        report.pairs[(example.intent, prediction.intent)] += 1
        right = prediction.intent == example.intent
        report.correct += right
        if prediction.confidence < handoff_below:
            report.below_threshold += 1
        else:
            report.correct_above += right
        if example.faq_key and index is not None:
            report.faq_asked += 1
            report.faq_correct += bool(hits) and hits[0].doc.key == example.faq_key
    return report


def format_report(report: Report) -> str:
    data = report.as_dict()
    lines = [
        f"mode: {report.mode}",
        f"held-out questions: {report.total}",
        f"accuracy: {report.accuracy:.4f} ({report.correct}/{report.total})",
    ]
    if report.faq_asked:
        lines.append(f"faq top-1: {data['faq_top1']:.4f} ({report.faq_correct}/{report.faq_asked})")
    lines.append(f"answer time ms: p50 {data['latency_ms']['p50']:.2f}  p95 {data['latency_ms']['p95']:.2f}  "
                 f"max {data['latency_ms']['max']:.2f}")
    lines.append("paths: " + ", ".join(f"{k} {v}" for k, v in sorted(report.paths.items())))
    if report.handoff_threshold:
        lines.append(f"handed off below {report.handoff_threshold:.2f}: {report.below_threshold}; accuracy on the "
                     f"rest: {data['accuracy_when_answered']}")
    lines += ["", f"{'intent':24s} {'precision':>9s} {'recall':>7s} {'n':>4s}"]
    for intent in INTENTS:
        lines.append(f"{intent:24s} {report.precision(intent):9.3f} {report.recall(intent):7.3f} "
                     f"{report.support(intent):4d}")
    lines += ["", "confusion (rows: true intent, columns: predicted)",
              " " * 4 + "".join(f"{SHORT[i]:>4s}" for i in INTENTS)]
    for gold in INTENTS:
        cells = "".join(f"{(report.pairs[(gold, p)] or '.'):>4}" for p in INTENTS)
        lines.append(f"{SHORT[gold]:>4s}{cells}")
    return "\n".join(lines)
