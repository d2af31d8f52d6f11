"""FAQ retrieval: BM25 over question, alternatives and answer; entries of the detected intent first;
only entries shown on the asking channel."""

from kefu.assistant.normalise import normalise
from kefu.assistant.retrieval import FaqDoc, FaqIndex, tokens

WEB = frozenset({"web", "app", "chat"})


def doc(id_, key, intent, text, channels=WEB):
    return FaqDoc(id=id_, key=key, question=text.splitlines()[0], intent=intent, channels=channels,
                  text=normalise(text), answer="")


INDEX = FaqIndex([
    doc(1, "delivery-time", "delivery_time", "下单后多久能送到？\n一般几天到货\n北京上海24小时内"),
    doc(2, "remote", "delivery_time", "偏远地区能送货吗？\n新疆西藏要几天"),
    doc(3, "invoice", "invoice", "能开发票吗？\n增值税专用发票怎么开"),
    doc(4, "e-invoice", "invoice", "电子发票在哪里下载？\n发票去哪下载"),
    doc(5, "internal", "invoice", "发票红冲操作流程\n内部：专票红字信息表", channels=frozenset({"agent"})),
])


def test_tokens_are_words_and_character_pairs():
    assert tokens("电子发票!") == ["电子发票", "电子", "子发", "发票"]


def test_best_entry_by_bm25():
    assert INDEX.search(normalise("电子发票怎么下载"))[0].doc.key == "e-invoice"
    assert INDEX.search(normalise("新疆几天能到"))[0].doc.key == "remote"


def test_entries_of_the_intent_come_first():
    hits = INDEX.search(normalise("几天能开发票"), intent="delivery_time")
    assert hits[0].doc.intent == "delivery_time"
    hits = INDEX.search(normalise("几天能开发票"), intent="invoice")
    assert hits[0].doc.intent == "invoice"


def test_falls_back_to_every_entry_when_the_intent_has_no_match():
    hits = INDEX.search(normalise("电子发票下载"), intent="delivery_time")
    assert hits[0].doc.key == "e-invoice"


def test_only_entries_shown_on_the_channel():
    assert all(h.doc.key != "internal" for h in INDEX.search(normalise("专票红字信息表"), channel="web"))
    assert INDEX.search(normalise("专票红字信息表"), channel="agent")[0].doc.key == "internal"


def test_nothing_shared_nothing_found():
    assert INDEX.search(normalise("哈哈")) == []


def test_primary_entry_of_an_intent():
    assert INDEX.primary("invoice").key == "invoice"
    assert INDEX.primary("cod") is None
    assert INDEX.primary("invoice", channel="agent").key == "internal"


def test_empty_index():
    assert FaqIndex([]).search("发票") == []
