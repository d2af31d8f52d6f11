"""FAQ retrieval: BM25 over each entry's question, alternative phrasings and answer. No Django.

Terms are jieba words (stopwords out) plus character bigrams, which catch the words the segmenter splits
differently in a question than in the entry. Search runs among the entries of the detected intent first:
on the held-out set that lifts top-1 from 0.58 (all entries) to 0.83 with the right intent. Embedding
similarity, measured as well, added less than a point on top of that and costs ~30 ms, so it is not used
here (docs/decisions/0009-assistant-understanding.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .segment import terms

K1 = 1.2
B = 0.75
_NOT_CJK_OR_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class FaqDoc:
    """What the index needs of an entry. `text` is the normalised question, alternatives and answer."""

    id: int
    key: str
    question: str
    intent: str
    channels: frozenset[str]
    text: str
    answer: str = ""  # as stored (placeholders not yet filled in)


@dataclass(frozen=True, slots=True)
class Hit:
    doc: FaqDoc
    score: float


def tokens(normalised: str) -> list[str]:
    chars = _NOT_CJK_OR_WORD.sub("", normalised)
    return terms(normalised) + [a + b for a, b in zip(chars, chars[1:], strict=False)]


class FaqIndex:
    def __init__(self, docs: Iterable[FaqDoc]):
        self.docs: list[FaqDoc] = list(docs)
        lengths = []
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            counts = Counter(tokens(doc.text))
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                postings[term].append((i, tf))
        n = len(self.docs)
        average = (sum(lengths) / n) if n else 1.0
        # Each posting's BM25 weight is fixed once the index is built: a query only adds them up.
        self._weights: dict[str, list[tuple[int, float]]] = {}
        for term, rows in postings.items():
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            self._weights[term] = [
                (i, idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / average))) for i, tf in rows
            ]

    def __len__(self) -> int:
        return len(self.docs)

    def scores(self, normalised: str) -> dict[int, float]:
        """Position of each doc sharing a term with the question -> its BM25 score."""
        totals: dict[int, float] = defaultdict(float)
        for term in set(tokens(normalised)):
            for i, weight in self._weights.get(term, ()):
                totals[i] += weight
        return totals

    def search(self, normalised: str, *, intent: str = "", channel: str = "", limit: int = 3) -> list[Hit]:
        """The best entries visible on `channel`: those of `intent` when any of them shares a term with the
        question, else the best of all entries. Entries of the intent come first even with a lower score."""
        totals = self.scores(normalised)
        visible = [i for i in totals if not channel or channel in self.docs[i].channels]
        ranked = sorted(visible, key=lambda i: (-totals[i], self.docs[i].id))
        if intent:
            of_intent = [i for i in ranked if self.docs[i].intent == intent]
            if of_intent:
                ranked = of_intent + [i for i in ranked if self.docs[i].intent != intent]
        return [Hit(self.docs[i], totals[i]) for i in ranked[:limit]]

    def primary(self, intent: str, channel: str = "") -> FaqDoc | None:
        """The first entry of an intent (the seed's entry comes first): the answer when a question shares no
        term with any entry but its intent is clear."""
        for doc in sorted(self.docs, key=lambda d: d.id):
            if doc.intent == intent and (not channel or channel in doc.channels):
                return doc
        return None


def build(docs: Sequence[FaqDoc]) -> FaqIndex:
    return FaqIndex(docs)
