"""The reply coach: flags dismissive phrasings in an agent's draft and suggests a courteous wording.

Never a flat "no" [seed 001]: agents must not say 不行, 不可能, 从来没听说过, 这不归我们管 and the like.

Matching is deliberately plain: every occurrence of a phrase is flagged, whatever surrounds it (the coach
advises, it does not block). It tolerates
- full-width / half-width and other compatibility forms (NFKC, case-folded): "ＯＫ" matches "ok";
- spaces between characters (ASCII, full-width U+3000, no-break and zero-width): "不 可 能" matches "不可能".
Punctuation is NOT skipped: "不，可能" is a different sentence from "不可能".
When a longer phrase covers a shorter one ("我也没办法" over "没办法"), only the longer is reported.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrase:
    text: str  # the phrase to catch, e.g. "不行"
    suggestion: str  # a better wording
    why: str = ""  # short reason shown to the agent


@dataclass(frozen=True)
class Flag:
    phrase: str
    start: int  # character offsets into the original reply
    end: int
    suggestion: str
    why: str


DEFAULT_PHRASES: tuple[Phrase, ...] = (
    Phrase("不行", "我理解您的心情，我们一起看看还有什么办法", "直接拒绝会让顾客觉得被推开"),
    Phrase("不可能", "这个情况确实少见，我马上帮您核实一下", "否定顾客的说法，容易激化情绪"),
    Phrase("没办法", "我先帮您看看有哪些可以做的", "顾客要的是方案，不是结论"),
    Phrase("我也没办法", "我很想帮到您，我请主管一起来想办法", "把问题推回给顾客"),
    Phrase("从来没听说过", "这个情况我先记下来，马上帮您核实", "暗示顾客在编造"),
    Phrase("这不归我们管", "这个问题我来帮您联系负责的同事跟进", "推卸责任"),
    Phrase("不是我们的问题", "给您添麻烦了，我们先一起把问题弄清楚", "先争对错，顾客会更生气"),
    Phrase("你自己去问", "我来帮您问清楚，稍后给您回复", "让顾客自己跑腿"),
    Phrase("规定就是这样", "按规则是这样的，我给您说明一下原因，再看看有没有别的方案", "只搬规定，不给出路"),
    Phrase("爱买不买", "您可以再考虑一下，有任何疑问随时问我", "态度恶劣"),
    Phrase("你看清楚再买", "可能是详情页没写清楚，我来给您详细说明一下", "指责顾客"),
    Phrase("没有这个规定", "我帮您查一下具体的规则，再给您准确答复", "生硬否定，也未必准确"),
    Phrase("我不知道", "这个我马上帮您查一下", "顾客需要答案，不知道就去查"),
    Phrase("找快递去", "物流的问题我来帮您联系快递公司", "把顾客推给第三方"),
    Phrase("系统问题我们管不了", "系统的问题我已经反馈给技术同事，会尽快处理并告诉您", "推卸责任"),
    Phrase("管不了", "这个问题我来帮您找能处理的同事", "推卸责任"),
    Phrase("跟我说没用", "您反映的情况我都记下了，马上转给负责的同事处理", "让顾客觉得白说了"),
    Phrase("你问我我问谁", "这个我马上帮您问清楚", "不耐烦"),
    Phrase("已经说过了", "我再给您详细说明一次", "不耐烦，怪顾客没看"),
    Phrase("你自己看", "我把具体的步骤发给您，一步步来", "不耐烦，让顾客自己摸索"),
)

# Characters skipped between the characters of a phrase: whitespace plus the zero-width ones.
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text as matched (NFKC, case-folded, spaces dropped) and, per character, its index in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace() or char in _ZERO_WIDTH:
            continue
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if not (folded.isspace() or folded in _ZERO_WIDTH):
                chars.append(folded)
                origin.append(index)
    return "".join(chars), origin


def check(reply: str, phrases: Sequence[Phrase] = DEFAULT_PHRASES) -> list[Flag]:
    """Flags for every dismissive phrase in the reply, sorted by position."""
    text, origin = _normalise(reply)
    # (start, end) in the normalised text -> the phrase found there (the first one listed, for duplicates).
    found: dict[tuple[int, int], Phrase] = {}
    for phrase in phrases:
        needle, _ = _normalise(phrase.text)
        if not needle:
            continue
        at = text.find(needle)
        while at != -1:
            found.setdefault((at, at + len(needle)), phrase)
            at = text.find(needle, at + 1)

    def covered(span: tuple[int, int]) -> bool:
        return any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in found)

    flags = [
        Flag(phrase.text, origin[start], origin[end - 1] + 1, phrase.suggestion, phrase.why)
        for (start, end), phrase in found.items()
        if not covered((start, end))
    ]
    return sorted(flags, key=lambda f: (f.start, f.end))
