"""Answering: hand-off rules, the log of questions, bad input, and the supervisors' review."""

import pytest

from kefu.assistant import engine, services
from kefu.assistant.models import AskedQuestion, FaqEntry
from kefu.core.errors import DomainError
from kefu.core.models import OutboxEvent


@pytest.mark.parametrize(("question", "intent"), [("我要投诉你们的快递员", "complaint"), ("转人工客服", "human_agent")])
def test_complaints_and_requests_for_a_person_are_handed_off_with_the_intent(db, question, intent):
    answer = services.ask(question)
    assert (answer.intent, answer.handoff, answer.outcome) == (intent, True, "handoff")
    assert answer.faq is not None  # the entry's answer tells the customer what happens next
    assert {"kind": "handoff", "intent": intent} in answer.actions
    event = OutboxEvent.objects.get(topic="assistant.handed_off")
    assert event.payload["intent"] == intent and event.payload["question_id"] == answer.question_id


def test_low_confidence_is_handed_off_without_a_guessed_answer(db, settings):
    answer = services.ask("嗯嗯")
    assert answer.confidence < engine.handoff_below()
    assert (answer.handoff, answer.outcome, answer.faq) == (True, "handoff", None)
    settings.KEFU_ASSISTANT_HANDOFF_BELOW = 0.0
    assert services.ask("嗯嗯").handoff is False


def test_a_confident_faq_answer_is_not_handed_off(db):
    answer = services.ask("七天无理由退货怎么退")
    assert (answer.intent, answer.outcome, answer.handoff) == ("return_exchange", "faq", False)
    assert answer.faq["key"] == "no-reason-return" and "7天" in answer.answer
    assert not OutboxEvent.objects.filter(topic="assistant.handed_off").exists()


def test_traditional_characters_get_the_same_answer(db):
    simplified = services.ask("可以开增值税专用发票吗", log=False)
    traditional = services.ask("可以開增值稅專用發票嗎", log=False)
    assert traditional.faq == simplified.faq and traditional.intent == "invoice"


def test_every_question_is_logged(db):
    answer = services.ask("电子发票在哪里下载", channel="app")
    row = AskedQuestion.objects.get(pk=answer.question_id)
    assert (row.text, row.channel, row.intent, row.outcome, row.handoff) == (
        "电子发票在哪里下载", "app", "invoice", "faq", False)
    assert row.faq_id == answer.faq["id"] and row.confidence == pytest.approx(answer.confidence)
    assert services.ask("电子发票在哪里下载", log=False).question_id is None
    assert AskedQuestion.objects.count() == 1


def test_entries_not_shown_on_the_channel_are_not_used(db):
    FaqEntry.objects.filter(key="e-invoice").update(channels=["agent"], version=2)
    assert services.ask("电子发票在哪里下载", channel="web", log=False).faq["key"] != "e-invoice"
    assert services.ask("电子发票在哪里下载", channel="agent", log=False).faq["key"] == "e-invoice"


@pytest.mark.parametrize(("question", "channel", "field"), [
    ("", "web", "question"), ("   ", "web", "question"), (None, "web", "question"), ("问" * 501, "web", "question"),
    ("a\x00b", "web", "question"), ("你好", "fax", "channel"),
])
def test_bad_input_names_the_field_and_logs_nothing(db, question, channel, field):
    with pytest.raises(DomainError) as caught:
        services.ask(question, channel=channel)
    assert caught.value.field == field
    assert not AskedQuestion.objects.exists()


def test_the_summary_has_exactly_the_commands_keys(db):
    summary = services.ask("发票怎么开", log=False).summary()
    assert list(summary) == ["intent", "confidence", "faq", "answer", "handoff"]
    assert list(summary["faq"]) == ["id", "question"]


# --- the supervisors' review ------------------------------------------------------------------------

def test_the_review_list_holds_unanswered_and_unsure_questions(db):
    weak = services.ask("嗯嗯")  # low confidence
    fine = services.ask("七天无理由退货怎么退")
    queue = set(services.review_queue().values_list("pk", flat=True))
    assert weak.question_id in queue and fine.question_id not in queue


def test_turning_questions_into_a_draft_faq_entry(db, staff_user):
    supervisor = staff_user("admin")
    first = services.ask("能用数字人民币付款吗")
    second = services.ask("支持数字人民币支付吗")
    rows = list(AskedQuestion.objects.filter(pk__in=[first.question_id, second.question_id]).order_by("pk"))
    entry = services.turn_into_faq(rows, by=supervisor)
    assert (entry.is_active, entry.question, entry.alternative_list) == (False, "能用数字人民币付款吗",
                                                                          ["支持数字人民币支付吗"])
    assert entry.versions.count() == 1
    for row in rows:
        row.refresh_from_db()
        assert (row.turned_into, row.reviewed_by) == (entry, supervisor)
    assert not services.review_queue().filter(pk__in=[r.pk for r in rows]).exists()
    inactive = services.ask("能用数字人民币付款吗", log=False)
    assert inactive.faq is None or inactive.faq["id"] != entry.pk  # a draft is never shown
    with pytest.raises(DomainError):
        services.turn_into_faq([], by=supervisor)


def test_marking_reviewed_twice_counts_once(db):
    row = AskedQuestion.objects.get(pk=services.ask("嗯嗯").question_id)
    assert services.mark_reviewed([row]) == 1
    assert services.mark_reviewed([row]) == 0


def test_greetings_get_a_greeting_not_a_hand_off(db):
    answer = services.ask("在吗", log=False)
    assert (answer.intent, answer.faq["key"], answer.handoff) == ("other", "greeting", False)
