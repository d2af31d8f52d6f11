"""Chinese by default, English on request; no catalog entry left untranslated."""

import re
from pathlib import Path

import pytest
from django.utils import translation

import kefu

CATALOGS = sorted(Path(kefu.__file__).parent.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def untranslated(po: Path) -> list[str]:
    missing = []
    for entry in po.read_text().split("\n\n"):
        if "#, fuzzy" in entry:
            missing.append(entry)
            continue
        match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', entry, re.M)
        if not match:
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', match.group(2)))
        if msgid and not msgstr:
            missing.append(msgid)
    return missing


def test_there_are_catalogs():
    assert {p.parts[-5] for p in CATALOGS} >= {"core", "commerce"}


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-5])
def test_every_entry_is_translated_and_compiled(po):
    assert untranslated(po) == []
    assert po.with_suffix(".mo").exists()


def test_chinese_is_the_default_and_english_is_available(settings):
    from kefu.commerce.models import OrderStatus

    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(OrderStatus.PENDING_PAYMENT.label) == "等待付款"
    with translation.override("en"):
        assert str(OrderStatus.PENDING_PAYMENT.label) == "Awaiting payment"
