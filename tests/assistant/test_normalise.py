"""Normalisation: one canonical spelling whatever the customer typed; segmentation keeps the shop's words."""

import pytest

from kefu.assistant.normalise import DATA_DIR, normalise, read_pairs
from kefu.assistant.segment import read_dictionary, terms, words


@pytest.mark.parametrize(("typed", "canonical"), [
    ("我的訂單什麼時候到", "我的订单什么时候到"),  # traditional
    ("能開增值稅專用發票嗎", "能开增值税专用发票吗"),
    ("軟體壞了，滑鼠也沒反應", "软件坏了,鼠标也没反应"),  # Taiwan words, full-width comma
    ("ＫＦ１２３４５６７８ 到哪了？", "kf12345678 到哪了?"),  # full-width letters and digits
    ("  我的   快递  ", "我的 快递"),  # spaces
    ("退款呢？？？！！！", "退款呢?!"),  # repeated punctuation
])
def test_script_width_and_spacing(typed, canonical):
    assert normalise(typed) == canonical


@pytest.mark.parametrize(("typed", "canonical"), [
    ("咋还没发货", "怎么还没发货"),
    ("啥时候到", "什么时候到"),
    ("肿么办", "怎么办"),
    ("木有收到", "没有收到"),
    ("我的快第呢", "我的快递呢"),
    ("发漂怎么开", "发票怎么开"),
    ("退宽多久到", "退款多久到"),
    ("能保价吗", "能价保吗"),
    ("可以到付吗", "可以货到付款吗"),
    ("tk多久到", "退款多久到"),
    ("人工kf", "人工客服"),
])
def test_colloquial_forms_and_typos(typed, canonical):
    assert normalise(typed) == canonical


def test_a_replacement_never_applies_inside_its_own_result():
    assert normalise("支持货到付款吗") == "支持货到付款吗"  # not 货货到付款款


def test_ascii_abbreviations_only_as_whole_words():
    assert normalise("fresh shop") == "fresh shop"  # "sh" stays inside words
    assert normalise("sh进度") == "售后进度"


def test_empty_and_none():
    assert normalise("") == ""
    assert normalise(None) == ""


def test_segmentation_keeps_domain_words_whole():
    assert "价保" in words("能申请价保吗")
    assert "七天无理由" in words("七天无理由怎么退")
    assert "货到付款" in words("支持货到付款吗")


def test_terms_leave_out_stopwords_and_punctuation():
    assert terms("请问我的发票在哪里?") == ["发票"]


def test_data_files_parse():
    assert read_pairs(DATA_DIR / "colloquial.txt")
    assert read_dictionary(DATA_DIR / "domain_dict.txt")


def test_a_malformed_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("# comment\nok\tfine\nbroken line\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:3"):
        read_pairs(path)
    path.write_text("价保 many\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1"):
        read_dictionary(path)
