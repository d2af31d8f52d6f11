"""Text normalisation before anything else looks at a question (pure: no Django).

Customers write the same question many ways: traditional characters (Taiwan and Hong Kong customers, and
two of the seeds), full-width letters and digits from Chinese input methods, internet slang (咋, 啥, 木有),
pinyin abbreviations (kd, tk) and typos (快第, 发漂). One canonical form means the classifier and the FAQ
index see one spelling of each word, so a phrasing learnt once is recognised in every spelling.

Steps, in this order: NFKC (full-width → half-width), traditional → simplified with Taiwan phrases (OpenCC
tw2sp: 軟體 → 软件, 滑鼠 → 鼠标), lower case, colloquial forms and typos from data/colloquial.txt, then
whitespace and repeated punctuation collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import opencc

DATA_DIR = Path(__file__).resolve().parent / "data"
_SPACES = re.compile(r"\s+")
_REPEATED_PUNCTUATION = re.compile(r"([!?.,~。，！？、…])\1+")


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("tw2sp")


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """Tab-separated pairs of a data file; blank lines and # comments skipped."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0]:
            raise ValueError(f"{path.name}:{number}: expected 'wrong<TAB>right', got {line!r}")
        pairs.append((parts[0], parts[1]))
    return pairs


@cache
def _colloquial() -> tuple[re.Pattern, dict[str, str]]:
    """One pattern for every form, longest first, so "货到付款" is matched whole before "到付" could be.
    ASCII abbreviations (kd, tk) only match as whole words, never inside "fresh", "shop" or "kf1234"."""
    table = dict(read_pairs(DATA_DIR / "colloquial.txt"))
    alternatives = []
    for wrong in sorted(table, key=len, reverse=True):
        escaped = re.escape(wrong)
        alternatives.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if wrong.isascii() else escaped)
    return re.compile("|".join(alternatives)), table


def to_simplified(text: str) -> str:
    # tw2sp reads 么 as the Taiwan variant of 幺 (这个么 -> 这个幺), but in questions it is always the particle of
    # 怎么/什么 already simplified: put it back. 幺 itself ("one" when reading digits) carries no meaning here.
    return _converter().convert(text).replace("幺", "么")


def normalise(text: str) -> str:
    """The canonical form of a customer's text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text).lower()
    pattern, table = _colloquial()
    text = pattern.sub(lambda match: table[match.group(0)], text)
    text = _REPEATED_PUNCTUATION.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()
