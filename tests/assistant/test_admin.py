"""The back office: supervisors edit the FAQ (each save a version, the history on the page) and work the
list of weak answers."""

import pytest
from django.test import Client
from django.urls import reverse

from kefu.assistant import services
from kefu.assistant.models import AskedQuestion, FaqEntry, FaqVersion


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user("admin", "boss"))
    return client


def form(entry, **changes):
    data = {"question": entry.question, "answer": entry.answer, "alternatives": entry.alternatives,
            "category": entry.category, "intent": entry.intent, "channels": entry.channels,
            "is_active": "on" if entry.is_active else "", "note": "",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000"}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_edit_in_the_admin_is_a_new_version_shown_in_the_history(admin_client):
    entry = FaqEntry.objects.get(key="invoice")
    url = reverse("admin:assistant_faqentry_change", args=[entry.pk])
    data = form(entry, answer="每张订单都可以开发票，随包裹寄出。", note="simpler wording")
    data["versions-INITIAL_FORMS"] = data["versions-TOTAL_FORMS"] = "1"
    data["versions-0-id"] = str(entry.versions.get().pk)
    data["versions-0-entry"] = str(entry.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert (entry.version, entry.updated_by.username) == (2, "boss")
    assert list(entry.versions.values_list("version", "note")) == [(2, "simpler wording"),
                                                                   (1, "loaded from faq.json (seed 000 FAQ 5)")]
    page = admin_client.get(url).content.decode()
    assert "simpler wording" in page and "loaded from faq.json" in page


def test_a_new_entry_in_the_admin(admin_client):
    data = form(FaqEntry(question="能开收据吗？", answer="可以，在订单页申请。", category="invoice", intent="invoice",
                         channels=["web", "chat"], is_active=True), key="receipt")
    response = admin_client.post(reverse("admin:assistant_faqentry_add"), data)
    assert response.status_code == 302
    created = FaqEntry.objects.get(key="receipt")
    assert (created.version, created.channels, created.versions.count()) == (1, ["web", "chat"], 1)


def test_a_bad_placeholder_is_a_form_error_and_saves_nothing(admin_client):
    entry = FaqEntry.objects.get(key="invoice")
    response = admin_client.post(reverse("admin:assistant_faqentry_change", args=[entry.pk]),
                                 form(entry, answer="{{refund_days}} 天内开票"))
    assert response.status_code == 200
    assert "refund_days" in response.context["adminform"].form.errors["answer"][0]
    entry.refresh_from_db()
    assert entry.version == 1


def test_entries_are_not_deleted(admin_client):
    entry = FaqEntry.objects.get(key="invoice")
    assert admin_client.get(reverse("admin:assistant_faqentry_delete", args=[entry.pk])).status_code == 403


def test_restore_a_version_from_the_versions_list(admin_client):
    entry = FaqEntry.objects.get(key="invoice")
    original = entry.answer
    services.update_faq_entry(entry, answer="临时答案。")
    first = FaqVersion.objects.get(entry=entry, version=1)
    response = admin_client.post(reverse("admin:assistant_faqversion_changelist"),
                                 {"action": "restore", "_selected_action": [first.pk]})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.version, entry.answer) == (3, original)


def test_turn_asked_questions_into_a_faq_entry(admin_client):
    ids = [services.ask("能用数字人民币付款吗").question_id, services.ask("可以用数字人民币吗").question_id]
    response = admin_client.post(reverse("admin:assistant_askedquestion_changelist"),
                                 {"action": "turn_into_faq", "_selected_action": ids})
    draft = FaqEntry.objects.get(from_questions__pk=ids[0])
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assistant_faqentry_change", args=[draft.pk])
    assert draft.is_active is False
    assert AskedQuestion.objects.filter(pk__in=ids, turned_into=draft).count() == 2


def test_the_review_list_and_mark_reviewed(admin_client):
    weak = services.ask("嗯嗯").question_id
    url = reverse("admin:assistant_askedquestion_changelist")
    page = admin_client.get(url, {"review": "needed"})
    assert page.status_code == 200 and "嗯嗯" in page.content.decode()
    admin_client.post(url, {"action": "mark_reviewed", "_selected_action": [weak]})
    assert AskedQuestion.objects.get(pk=weak).reviewed_at is not None
    assert "嗯嗯" not in admin_client.get(url, {"review": "needed"}).content.decode()


def test_a_supervisor_without_the_knowledge_base_permissions_cannot_edit(staff_user):
    client = Client()
    client.force_login(staff_user("operations"))
    entry = FaqEntry.objects.get(key="invoice")
    assert client.get(reverse("admin:assistant_faqentry_change", args=[entry.pk])).status_code in (302, 403)
