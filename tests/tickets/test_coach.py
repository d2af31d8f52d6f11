"""The reply coach flags dismissive phrasings, robustly, with offsets into the original reply."""

import pytest

from kefu.tickets.coach import DEFAULT_PHRASES, Flag, Phrase, check

POLITE_REPLIES = [
    "很抱歉给您带来不便，我们马上为您补发",
    "亲，您好，请问有什么可以帮您？",
    "理解您的心情，我这边马上帮您查一下物流",
    "非常抱歉让您久等了，您的退款已经提交，预计1-3个工作日到账",
    "这个问题我来帮您联系仓库的同事，稍后给您回复",
    "感谢您的耐心等待，新的运单号是SF1234567890",
    "您方便拍一张商品的照片吗？我们确认后马上给您处理",
    "给您添麻烦了，来回运费由我们承担，您看可以吗？",
    "这款商品暂时缺货，我帮您登记到货提醒，到货第一时间通知您",
    "按照平台规则，定制商品不支持七天无理由退货，不过我可以为您申请一张优惠券作为补偿",
    "您反馈的问题我已经记录，主管会在24小时内联系您",
    "快递员明天上午会再派送一次，如有问题请随时联系我们",
    "祝您生活愉快，有任何问题随时联系我们",
]


def test_there_are_enough_realistic_default_phrases():
    assert len(DEFAULT_PHRASES) >= 15
    assert len({p.text for p in DEFAULT_PHRASES}) == len(DEFAULT_PHRASES)
    for p in DEFAULT_PHRASES:
        assert p.text and p.suggestion and p.why
        assert check(p.suggestion) == [], f"the suggestion for {p.text} is itself flagged"


@pytest.mark.parametrize("phrase", DEFAULT_PHRASES, ids=lambda p: p.text)
def test_every_default_phrase_is_caught_in_a_sentence(phrase):
    reply = f"亲，{phrase.text}，请您理解。"
    flags = check(reply)
    assert [(f.phrase, f.start, f.end) for f in flags] == [(phrase.text, 2, 2 + len(phrase.text))]
    assert flags[0].suggestion == phrase.suggestion
    assert flags[0].why == phrase.why


@pytest.mark.parametrize("reply", POLITE_REPLIES)
def test_courteous_replies_are_not_flagged(reply):
    assert check(reply) == []


def test_empty_reply():
    assert check("") == []
    assert check(" \u3000\n") == []


@pytest.mark.parametrize("reply", [
    "这个不 可能",  # ASCII space
    "这个不\u3000可能",  # full-width (ideographic) space
    "这个不\u200b可\u200b能",  # zero-width spaces
    "这个不\u00a0可\t能",  # no-break space, tab
    "这个\uf967可能",  # the compatibility form of 不
])
def test_spaced_and_full_width_variants_are_caught(reply):
    [flag] = check(reply)
    assert flag.phrase == "不可能"
    assert (flag.start, flag.end) == (2, len(reply))


def test_full_width_latin_matches_a_half_width_phrase():
    phrases = [Phrase("no way", "我们一起想想办法")]
    [flag] = check("这个ＮＯ　ＷＡＹ啦", phrases)
    assert (flag.start, flag.end) == (2, 8)


def test_punctuation_between_characters_is_not_skipped():
    assert check("不，可能是物流延误了，我马上帮您查") == []


def test_longest_phrase_wins_where_phrases_overlap():
    assert [f.phrase for f in check("我也没办法")] == ["我也没办法"]
    assert [f.phrase for f in check("系统问题我们管不了")] == ["系统问题我们管不了"]
    # Elsewhere in the reply, the shorter phrase is still reported on its own.
    flags = check("我也没办法，真没办法")
    assert [(f.phrase, f.start, f.end) for f in flags] == [("我也没办法", 0, 5), ("没办法", 7, 10)]


def test_longest_match_holds_whatever_the_order_of_the_list():
    phrases = [Phrase("没办法", "a"), Phrase("我也没办法", "b")]
    assert [f.suggestion for f in check("我也没办法", phrases)] == ["b"]
    assert [f.suggestion for f in check("我也没办法", phrases[::-1])] == ["b"]


def test_offsets_point_into_the_original_reply_and_flags_are_sorted():
    reply = "您好！ 这个  不 行，这不归我们管，你自己去问快递吧"
    flags = check(reply)
    assert [f.phrase for f in flags] == ["不行", "这不归我们管", "你自己去问"]
    assert [reply[f.start:f.end] for f in flags] == ["不 行", "这不归我们管", "你自己去问"]
    assert [f.start for f in flags] == sorted(f.start for f in flags)


def test_every_occurrence_is_flagged():
    flags = check("不行就是不行")
    assert [(f.start, f.end) for f in flags] == [(0, 2), (4, 6)]


def test_custom_phrase_list():
    phrases = [Phrase("等着吧", "我们会尽快处理，处理好第一时间通知您", "敷衍")]
    assert check("您等着吧", phrases) == [Flag("等着吧", 1, 4, "我们会尽快处理，处理好第一时间通知您", "敷衍")]
    assert check("不行", phrases) == []
    assert check("不行", []) == []
    assert check("不行", [Phrase(" ", "")]) == []  # a blank phrase matches nothing
