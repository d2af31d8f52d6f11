"""The knowledge base: the seeded FAQ, versioned edits, placeholders from the policy, loading the file."""

import pytest

from kefu.assistant import answers, engine, services
from kefu.assistant.models import FaqEntry, FaqVersion, Intent
from kefu.core.errors import DomainError
from kefu.core.models import AuditEntry, OutboxEvent

SEED_KEYS = ["delivery-time", "product-mismatch", "quality-repair", "payment-deadline", "invoice", "restock",
             "price-protection", "cancel-order", "installation", "authenticity-warranty", "cod"]
NEEDED_TOPICS = ["return", "refund", "exchange", "repair", "invoice", "payment", "delivery", "price-protection",
                 "coupons", "points", "membership", "installation", "account"]


def entry(key):
    return FaqEntry.objects.get(key=key)


def test_the_migration_loaded_the_seed_faqs_and_forty_more(db):
    keys = set(FaqEntry.objects.filter(is_active=True).values_list("key", flat=True))
    assert set(SEED_KEYS) <= keys
    assert len(keys) >= 51
    assert all(any(topic in key for key in keys) for topic in NEEDED_TOPICS)
    assert FaqVersion.objects.filter(version=1).count() == FaqEntry.objects.count()
    assert entry("cod").question == "哪些地区支持货到付款？"


def test_every_intent_has_an_entry(db):
    assert set(FaqEntry.objects.values_list("intent", flat=True)) == set(Intent.values)


def test_answers_state_the_policy_numbers_not_their_own(db, settings):
    rendered = [answers.render(e.answer) for e in FaqEntry.objects.all()]
    assert not [text for text in rendered if "{{" in text]
    assert "7天内" in answers.render(entry("no-reason-return").answer)
    assert "24小时内付款" in answers.render(entry("payment-deadline").answer)
    settings.KEFU_AFTERSALES_POLICY = {"no_reason_days": 15, "price_protection_days": 30}
    assert "15天内" in answers.render(entry("no-reason-return").answer)
    assert "下单后30天内" in answers.render(entry("price-protection").answer)


def test_an_edit_is_a_new_version_and_the_previous_one_is_kept(staff_user):
    supervisor = staff_user("admin")
    faq = entry("invoice")
    old_answer = faq.answer
    saved = services.update_faq_entry(faq, by=supervisor, note="shorter", answer="每单都可以开发票。")
    assert (saved.version, saved.answer, saved.updated_by) == (2, "每单都可以开发票。", supervisor)
    history = list(faq.versions.order_by("version").values_list("version", "answer", "note"))
    assert history == [(1, old_answer, "loaded from faq.json (seed 000 FAQ 5)"), (2, "每单都可以开发票。", "shorter")]
    assert AuditEntry.objects.filter(object_id=str(faq.pk), field="version", new_value="2").exists()
    assert OutboxEvent.objects.filter(topic="assistant.faq_saved", payload__version=2).exists()


def test_saving_what_is_there_writes_nothing(db):
    faq = entry("invoice")
    assert services.update_faq_entry(faq, question=faq.question).version == 1
    assert faq.versions.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"question": " "}, "question"),
    ({"answer": ""}, "answer"),
    ({"answer": "{{no_such_number}} 天内"}, "answer"),
    ({"intent": "weather"}, "intent"),
    ({"category": "misc"}, "category"),
    ({"channels": []}, "channels"),
    ({"channels": ["web", "fax"]}, "channels"),
    ({"version": 9}, "version"),
])
def test_bad_edits_name_the_field_and_write_nothing(db, changes, field):
    faq = entry("invoice")
    with pytest.raises(DomainError) as caught:
        services.update_faq_entry(faq, **changes)
    assert caught.value.field == field
    faq.refresh_from_db()
    assert faq.version == 1 and faq.versions.count() == 1


def test_a_new_entry_needs_a_unique_key(db):
    values = {"question": "能开收据吗？", "answer": "可以。", "category": "invoice", "intent": "invoice",
              "channels": ["web"]}
    created = services.create_faq_entry(key="Receipt Please", **values)
    assert (created.key, created.version, created.alternatives) == ("receipt-please", 1, "")
    with pytest.raises(DomainError, match="exists"):
        services.create_faq_entry(key="receipt-please", **values)
    with pytest.raises(DomainError) as caught:
        services.create_faq_entry(key="  ", **values)
    assert caught.value.field == "key"


def test_alternatives_are_tidied(db):
    faq = services.update_faq_entry(entry("invoice"), alternatives=" 要发票 \n\n要发票\n开票 ")
    assert faq.alternative_list == ["要发票", "开票"]


def test_restoring_a_version_saves_it_as_a_new_one(db):
    faq = entry("invoice")
    original = faq.answer
    services.update_faq_entry(faq, answer="改过的答案。")
    restored = services.restore_faq_version(faq, 1)
    assert (restored.version, restored.answer) == (3, original)
    assert faq.versions.get(version=3).note == "restored version 1"
    with pytest.raises(DomainError):
        services.restore_faq_version(faq, 42)


def test_loading_the_file_adds_what_is_missing_and_keeps_edits(db):
    services.update_faq_entry(entry("cod"), answer="我们的货到付款说明。")
    FaqEntry.objects.filter(key="account-close").delete()
    assert services.load_faq_file() == 1
    assert entry("cod").answer == "我们的货到付款说明。"
    assert entry("account-close").version == 1
    assert services.load_faq_file() == 0


def test_the_assistant_uses_an_edit_at_once(db):
    services.update_faq_entry(entry("cod"), answer="货到付款：全国可用。")
    assert services.ask("哪些地区可以货到付款", log=False).answer == "货到付款：全国可用。"
    services.update_faq_entry(entry("cod"), is_active=False)
    assert services.ask("哪些地区可以货到付款", log=False).faq["key"] != "cod"


def test_the_faq_file_is_well_formed():
    keys = [e["key"] for e in engine.faq_file()]
    assert len(keys) == len(set(keys))
    for item in engine.faq_file():
        assert item["intent"] in Intent.values and item["question"] and item["answer"]
        assert not answers.unknown_placeholders(item["answer"]), item["key"]
