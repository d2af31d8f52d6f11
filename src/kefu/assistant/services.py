"""Every write of the assistant: answering a question (it is logged), editing the knowledge base (every save
keeps a version), and the supervisors' review of weak answers.

Who gets a hand-off: a question the model is not sure about (confidence below KEFU_ASSISTANT_HANDOFF_BELOW),
a complaint, or a request for a person. The detected intent travels with it (the `assistant.handed_off`
event) so the chat can route it to the right queue.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kefu.commerce.models import Customer
from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, NotFound

from . import answers, engine, selectors
from .models import CUSTOMER_CHANNELS, AskedQuestion, Category, Channel, FaqEntry, FaqVersion, Intent, Outcome

MAX_QUESTION_CHARS = 500
HANDOFF_INTENTS = frozenset({"complaint", "human_agent"})
# An "other" question matched to an entry of another intent only on strong evidence: greetings and small
# talk share a few common character pairs with many entries.
MIN_SCORE_OUTSIDE_INTENT = 4.0
CATEGORY_FOR_INTENT = {
    "order_status": Category.ORDER, "delivery_time": Category.DELIVERY, "product_mismatch": Category.AFTER_SALES,
    "quality_repair": Category.AFTER_SALES, "payment": Category.PAYMENT, "invoice": Category.INVOICE,
    "restock": Category.PRODUCT, "price_protection": Category.AFTER_SALES, "cancel_order": Category.ORDER,
    "installation": Category.INSTALLATION, "authenticity_warranty": Category.AFTER_SALES, "cod": Category.PAYMENT,
    "return_exchange": Category.AFTER_SALES, "refund_status": Category.AFTER_SALES, "complaint": Category.SERVICE,
    "human_agent": Category.SERVICE, "logistics_problem": Category.LOGISTICS, "product_question": Category.PRODUCT,
    "other": Category.SERVICE,
}


@dataclass
class Answer:
    intent: str
    confidence: float
    answer: str
    handoff: bool
    outcome: str
    path: str
    faq: dict | None = None  # {"id", "key", "question"}
    actions: list[dict] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    question_id: int | None = None

    def summary(self) -> dict:
        """The command's JSON: intent, confidence, faq {id, question} or null, answer, handoff."""
        faq = {"id": self.faq["id"], "question": self.faq["question"]} if self.faq else None
        return {"intent": self.intent, "confidence": round(self.confidence, 4), "faq": faq, "answer": self.answer,
                "handoff": self.handoff}


def _checked_question(question) -> str:
    if not isinstance(question, str) or not question.strip():
        raise DomainError("ask a question", field="question")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise DomainError(f"at most {MAX_QUESTION_CHARS} characters", field="question")
    if "\x00" in question:
        raise DomainError("must not contain a NUL character", field="question")
    return question


def _faq_for(normalised: str, intent: str, channel: str):
    index = selectors.faq_index()
    hits = index.search(normalised, intent=intent, channel=channel, limit=1)
    if hits and hits[0].doc.intent == intent:
        return hits[0].doc
    if intent != "other":
        return index.primary(intent, channel) or (hits[0].doc if hits else None)
    return hits[0].doc if hits and hits[0].score >= MIN_SCORE_OUTSIDE_INTENT else None


def ask(question: str, *, customer: Customer | None = None, channel: str = Channel.WEB, log: bool = True,
        client_id: str = "") -> Answer:
    """Answer one question. With `customer`, order questions are answered from their own data; without, only
    from the FAQ. Logged (unless log=False) for the supervisors' review list."""
    question = _checked_question(question)
    if channel not in Channel.values:
        raise DomainError(f"channel must be one of {', '.join(Channel.values)}", field="channel")
    normalised, prediction = engine.get().understand(question)
    intent, confidence = prediction.intent, prediction.confidence
    doc = _faq_for(normalised, intent, channel)
    faq = {"id": doc.id, "key": doc.key, "question": doc.question} if doc else None
    reply = None
    if confidence < engine.handoff_below():
        outcome, faq = Outcome.HANDOFF, None
        text = _("I am not sure I understood your question, so I am passing it to a customer service agent, who "
                 "will reply shortly.")
    elif intent in HANDOFF_INTENTS:
        outcome = Outcome.HANDOFF
        text = answers.render(doc.answer) if doc else _("I am passing you to a customer service agent now.")
    elif customer is not None and intent in answers.PERSONAL_INTENTS:
        outcome, reply = Outcome.PERSONAL, answers.personal(intent, customer, question)
        text = reply.text
    elif doc is not None:
        outcome, text = Outcome.FAQ, answers.render(doc.answer)
    else:
        outcome, faq = Outcome.UNANSWERED, None
        text = _("Sorry, I do not have an answer to that yet. Could you put it another way, or ask for a person?")
    result = Answer(intent=intent, confidence=confidence, answer=text, handoff=outcome == Outcome.HANDOFF,
                    outcome=outcome, path=prediction.path, faq=faq,
                    actions=reply.actions if reply else [], facts=reply.facts if reply else {})
    if customer is None and intent in answers.PERSONAL_INTENTS and outcome == Outcome.FAQ:
        result.actions.append({"kind": "sign_in"})  # signed in, the answer would use their own orders
    if result.handoff:
        result.actions.append({"kind": "handoff", "intent": intent})
    if log:
        result.question_id = _log(question, normalised, channel, customer, result, client_id).pk
    return result


@transaction.atomic
def _log(question: str, normalised: str, channel: str, customer, result: Answer, client_id: str = ""
         ) -> AskedQuestion:
    row = AskedQuestion.objects.create(
        asked_at=clock.now(), text=question, normalised=normalised[:MAX_QUESTION_CHARS], channel=channel,
        customer=customer, intent=result.intent, confidence=min(max(result.confidence, 0.0), 1.0),
        path=result.path, faq_id=result.faq["id"] if result.faq else None, outcome=result.outcome,
        handoff=result.handoff, answer=result.answer, actions=result.actions, client_id=client_id[:64])
    if result.handoff:
        events.emit("assistant.handed_off", {"question_id": row.pk, "intent": result.intent,
                                             "confidence": round(result.confidence, 4), "channel": channel,
                                             "customer_id": customer.pk if customer else None})
    return row


# --- carried into a live chat -----------------------------------------------------------------------------

def exchange(row: AskedQuestion) -> dict:
    """One question and the assistant's answer, as the chat window shows it (consumers.py: "assistant")."""
    faq = {"id": row.faq_id, "question": row.faq.question} if row.faq_id and row.faq else None
    return {"id": row.pk, "question": row.text, "asked_at": timezone.localtime(row.asked_at).isoformat(),
            "intent": row.intent, "confidence": round(row.confidence, 4), "answer": row.answer,
            "handoff": row.handoff, "faq": faq, "actions": row.actions or []}


def ask_in_chat(question: str, *, customer: Customer, client_id: str = "") -> AskedQuestion:
    """A question typed in the chat window before any chat is open. A resend with the same client_id (the window
    retries after a dropped socket) gets the stored exchange back rather than a second answer."""
    if client_id:
        done = (AskedQuestion.objects.filter(customer=customer, channel=Channel.CHAT, client_id=client_id[:64])
                .select_related("faq").first())
        if done is not None:
            return done
    result = ask(question, customer=customer, channel=Channel.CHAT, client_id=client_id)
    return AskedQuestion.objects.select_related("faq").get(pk=result.question_id)


def handoff_intent(rows: list[AskedQuestion]) -> str:
    """The intent a person should pick up: the latest one the model was sure of that says what the customer needs
    (asking for a person says only that they want one); else human_agent when they asked for a person; "" when
    nothing was understood."""
    sure = [r for r in rows if r.intent not in {"human_agent", "other"} and r.confidence >= engine.handoff_below()]
    if sure:
        return sure[-1].intent
    asked = [r for r in rows if r.intent == "human_agent"]
    return asked[-1].intent if asked else ""


def carry_into(rows: list[AskedQuestion], number: str) -> int:
    """Mark the exchanges as carried into chat `number`; only rows not carried yet (a parallel start carries each
    exchange once). Returns how many were marked."""
    return carry_into_ids([r.pk for r in rows], number)


def carry_into_ids(ids: list[int], number: str) -> int:
    return AskedQuestion.objects.filter(pk__in=ids, handed_to="").update(handed_to=number)


# --- the knowledge base -----------------------------------------------------------------------------------

FAQ_FIELDS = ("question", "answer", "alternatives", "category", "intent", "channels", "is_active")


def _alternatives(value) -> str:
    lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    seen, kept = set(), []
    for line in (str(x).strip() for x in lines):
        if line and line not in seen:
            seen.add(line)
            kept.append(line)
    return "\n".join(kept)


def check_faq_fields(values: dict) -> dict:
    """Checked and tidied fields; DomainError names the first field at fault."""
    question = str(values.get("question") or "").strip()
    if not question or len(question) > 200:
        raise DomainError("a question of 1 to 200 characters", field="question")
    answer = str(values.get("answer") or "").strip()
    if not answer:
        raise DomainError("an answer is required", field="answer")
    unknown = answers.unknown_placeholders(answer)
    if unknown:
        raise DomainError(f"unknown placeholder(s): {', '.join(unknown)}", field="answer")
    if values.get("category") not in Category.values:
        raise DomainError(f"category must be one of {', '.join(Category.values)}", field="category")
    if values.get("intent") not in Intent.values:
        raise DomainError(f"intent must be one of {', '.join(Intent.values)}", field="intent")
    channels = list(dict.fromkeys(values.get("channels") or []))
    if not channels or any(c not in Channel.values for c in channels):
        raise DomainError(f"choose one or more of {', '.join(Channel.values)}", field="channels")
    return {"question": question, "answer": answer, "alternatives": _alternatives(values.get("alternatives")),
            "category": values["category"], "intent": values["intent"], "channels": channels,
            "is_active": bool(values.get("is_active", True))}


def _snapshot(entry: FaqEntry, *, by, note: str) -> FaqVersion:
    return FaqVersion.objects.create(entry=entry, version=entry.version, saved_at=entry.updated_at,
                                     saved_by=by if getattr(by, "pk", None) else None, note=note[:200],
                                     **{name: getattr(entry, name) for name in FAQ_FIELDS})


@transaction.atomic
def create_faq_entry(*, key: str, by=None, note: str = "", **values) -> FaqEntry:
    key = slugify(key or "")[:60]
    if not key:
        raise DomainError("a key of letters, digits and dashes", field="key")
    if FaqEntry.objects.filter(key=key).exists():
        raise DomainError(f"an entry with key {key!r} exists", field="key", code="conflict")
    now = clock.now()
    entry = FaqEntry.objects.create(key=key, version=1, created_at=now, updated_at=now,
                                    updated_by=by if getattr(by, "pk", None) else None,
                                    **check_faq_fields(values))
    _snapshot(entry, by=by, note=note or "created")
    audit.field_changed(entry, "version", None, 1, actor=by, reason=note or "created")
    events.emit("assistant.faq_saved", {"entry_id": entry.pk, "key": entry.key, "version": 1})
    return entry


@transaction.atomic
def update_faq_entry(entry: FaqEntry, *, by=None, note: str = "", **changes) -> FaqEntry:
    """Save changes as a new version (the previous one stays in FaqVersion). Unknown fields are an error;
    saving what is already there writes nothing."""
    unknown = set(changes) - set(FAQ_FIELDS)
    if unknown:
        raise DomainError(f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    try:
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    except FaqEntry.DoesNotExist:
        raise NotFound("no such FAQ entry", field="entry") from None
    current = {name: getattr(entry, name) for name in FAQ_FIELDS}
    cleaned = check_faq_fields({**current, **changes})
    changed = [name for name in FAQ_FIELDS if cleaned[name] != current[name]]
    if not changed:
        return entry
    old_version = entry.version
    for name in changed:
        setattr(entry, name, cleaned[name])
    entry.version = old_version + 1
    entry.updated_at = clock.now()
    entry.updated_by = by if getattr(by, "pk", None) else None
    entry.save()
    reason = note or "changed " + ", ".join(changed)
    _snapshot(entry, by=by, note=reason)
    audit.field_changed(entry, "version", old_version, entry.version, actor=by, reason=reason)
    events.emit("assistant.faq_saved", {"entry_id": entry.pk, "key": entry.key, "version": entry.version,
                                        "changed": changed})
    return entry


def restore_faq_version(entry: FaqEntry, version: int, *, by=None) -> FaqEntry:
    """Bring back an earlier version's text; it is saved as a new version, so nothing is lost either way."""
    old = FaqVersion.objects.filter(entry=entry, version=version).first()
    if old is None:
        raise NotFound(f"entry {entry.key} has no version {version}", field="version")
    return update_faq_entry(entry, by=by, note=f"restored version {version}",
                            **{name: getattr(old, name) for name in FAQ_FIELDS})


def load_faq_file(*, by=None) -> int:
    """Add the entries of data/faq.json that the knowledge base lacks (by key). Entries already there are left
    as the supervisors edited them. Returns how many were added."""
    existing = set(FaqEntry.objects.values_list("key", flat=True))
    added = 0
    for item in engine.faq_file():
        if item["key"] in existing:
            continue
        create_faq_entry(key=item["key"], by=by, note=f"loaded from faq.json ({item.get('source', 'kefu')})",
                         question=item["question"], answer=item["answer"], alternatives=item.get("alternatives", []),
                         category=item["category"], intent=item["intent"],
                         channels=item.get("channels", CUSTOMER_CHANNELS))
        added += 1
    return added


# --- the supervisors' review ----------------------------------------------------------------------------

def review_below() -> float:
    """Answers less sure than this are listed for review (handed-off ones, and answered but doubtful)."""
    return float(engine.setting("REVIEW_BELOW", 0.5))


def review_queue():
    return selectors.needs_review(review_below())


@transaction.atomic
def turn_into_faq(questions: Iterable[AskedQuestion], *, by=None) -> FaqEntry:
    """A draft entry (inactive) from logged questions: the first is the question, the others its alternative
    phrasings, the commonest intent its intent. The supervisor writes the answer and activates it."""
    rows = list(AskedQuestion.objects.select_for_update().filter(pk__in=[q.pk for q in questions]).order_by("pk"))
    if not rows:
        raise DomainError("choose at least one question", field="questions")
    intent = Counter(row.intent for row in rows).most_common(1)[0][0]
    entry = create_faq_entry(
        key=f"draft-{uuid.uuid4().hex[:10]}", by=by, note=f"from {len(rows)} asked question(s)",
        question=rows[0].text[:200], answer=_("(Write the answer, then make the entry active.)"),
        alternatives=[row.text for row in rows[1:]], category=CATEGORY_FOR_INTENT[intent], intent=intent,
        channels=CUSTOMER_CHANNELS, is_active=False)
    _reviewed(rows, by=by, entry=entry)
    return entry


@transaction.atomic
def mark_reviewed(questions: Iterable[AskedQuestion], *, by=None) -> int:
    rows = list(AskedQuestion.objects.select_for_update().filter(pk__in=[q.pk for q in questions],
                                                                  reviewed_at__isnull=True))
    _reviewed(rows, by=by)
    return len(rows)


def _reviewed(rows: list[AskedQuestion], *, by=None, entry: FaqEntry | None = None) -> None:
    now = clock.now()
    for row in rows:
        row.reviewed_at, row.reviewed_by = now, by if getattr(by, "pk", None) else None
        if entry is not None:
            row.turned_into = entry
        row.save(update_fields=["reviewed_at", "reviewed_by", "turned_into"])
        audit.field_changed(row, "reviewed_at", None, now.isoformat(), actor=by,
                            reason=f"turned into {entry.key}" if entry else "reviewed")
