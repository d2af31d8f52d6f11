"""Word segmentation: jieba's algorithm and dictionary (rjieba, its Rust port: ~30× faster per sentence and
3× faster to load than the Python jieba) plus the shop's own words from data/domain_dict.txt, so 价保,
七天无理由 and 货到付款 stay whole. Pure: no Django.

`words` feeds the intent classifier; `terms` feeds the FAQ index and drops what carries no meaning for a
search (particles, pronouns, punctuation).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import rjieba

DATA_DIR = Path(__file__).resolve().parent / "data"
_PUNCTUATION_OR_SPACE = re.compile(r"^[\s\W_]+$")


def read_dictionary(path: Path) -> list[tuple[str, int]]:
    """'word frequency' lines; blank lines and # comments skipped."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise ValueError(f"{path.name}:{number}: expected 'word frequency', got {line!r}")
        entries.append((parts[0], int(parts[1])))
    return entries


@cache
def stopwords() -> frozenset[str]:
    """Words that say nothing about what is asked (data/stopwords.txt): a search term must carry meaning."""
    lines = (DATA_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def segmenter() -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    for word, frequency in read_dictionary(DATA_DIR / "domain_dict.txt"):
        jieba.add_word(word, frequency, None)
    return jieba


def words(text: str) -> list[str]:
    """The words of a normalised text, punctuation and spaces left out."""
    return [w for w in segmenter().cut(text) if not _PUNCTUATION_OR_SPACE.match(w)]


def terms(text: str) -> list[str]:
    """Words worth searching for: `words` without stopwords."""
    stop = stopwords()
    return [w for w in words(text) if w not in stop]
