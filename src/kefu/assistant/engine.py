"""The trained understanding, built once per process from the files in data/ (never from the database).

Training data: data/intents_train.txt plus every question and alternative phrasing of data/faq.json,
labelled with its entry's intent. The lexical model trains in about a second at first use; the embedding
model needs the training texts embedded, which is cached under KEFU_VAR_DIR/assistant/ (see
embeddings.py), so only the very first start on a machine pays for it — or `kefu assistant train` at
deploy time. Nothing trained is committed, and nothing is downloaded.

Settings (all optional; docs/assistant.md):
    KEFU_ASSISTANT_EMBEDDINGS     use the e5 embedding model where the lexical one is unsure (True)
    KEFU_ASSISTANT_SURE           lexical probability above which no embedding is computed (0.5)
    KEFU_ASSISTANT_BLEND_WEIGHT   the lexical model's share when both are blended (0.4)
    KEFU_ASSISTANT_HANDOFF_BELOW  below this confidence the question goes to a person (0.35)
    KEFU_ASSISTANT_E5_THREADS     OpenMP threads of the embedding engine per process (1)
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from . import embeddings
from .intent import Example, IntentClassifier, Prediction, read_examples, train
from .normalise import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_FILE = DATA_DIR / "intents_train.txt"
HELDOUT_FILE = DATA_DIR / "intents_heldout.txt"
FAQ_FILE = DATA_DIR / "faq.json"

_lock = threading.Lock()
_engine: Engine | None = None


def setting(name: str, default):
    return getattr(settings, f"KEFU_ASSISTANT_{name}", default)


def cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "assistant"


@cache
def faq_file() -> tuple[dict, ...]:
    return tuple(json.loads(FAQ_FILE.read_text(encoding="utf-8")))


def training_examples() -> list[Example]:
    examples = read_examples(TRAIN_FILE)
    for entry in faq_file():
        for text in [entry["question"], *entry.get("alternatives", [])]:
            examples.append(Example(entry["intent"], text))
    return examples


def heldout_examples() -> list[Example]:
    return read_examples(HELDOUT_FILE)


@dataclass
class Engine:
    classifier: IntentClassifier
    embeddings: bool
    train_seconds: float

    def understand(self, text: str) -> tuple[str, Prediction]:
        normalised = normalise(text)
        return normalised, self.classifier.classify(normalised)


def build(*, use_embeddings: bool | None = None) -> Engine:
    """Train a fresh engine (the evaluation and the tests build their own; requests share `get`'s)."""
    if use_embeddings is None:
        use_embeddings = bool(setting("EMBEDDINGS", True))
    use_embeddings = use_embeddings and embeddings.available()
    started = time.perf_counter()
    embed = embeddings.Embedder(cache_dir(), threads=int(setting("E5_THREADS", 1))) if use_embeddings else None
    classifier = train(training_examples(), normalise, embed, sure=float(setting("SURE", 0.5)),
                       weight=float(setting("BLEND_WEIGHT", 0.4)))
    return Engine(classifier, embed is not None, time.perf_counter() - started)


def get() -> Engine:
    """The process's engine, trained at first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = build()
    return _engine


def install(engine: Engine | None) -> None:
    """Use this engine for the process (tests share one trained engine; None: train again at next use)."""
    global _engine
    with _lock:
        _engine = engine


def handoff_below() -> float:
    return float(setting("HANDOFF_BELOW", 0.35))
