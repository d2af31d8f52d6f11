"""The evaluation's arithmetic: accuracy, precision, recall, confusion, FAQ top-1, hand-off share."""

from collections import Counter

from kefu.assistant.evaluation import Report, evaluate, format_report
from kefu.assistant.intent import Example, Prediction
from kefu.assistant.retrieval import FaqDoc, FaqIndex


class Fixed:
    """A classifier that answers from a table (and 'other' with low confidence for anything else)."""

    def __init__(self, table):
        self.table = table

    def classify_many(self, texts, *, force=""):
        return [Prediction(*self.table.get(t, ("other", 0.1)), path="lexical") for t in texts]


def test_precision_recall_and_accuracy():
    report = Report(total=4, correct=2, pairs=Counter({("invoice", "invoice"): 1, ("invoice", "cod"): 1,
                                                       ("cod", "cod"): 1, ("other", "cod"): 1}))
    assert report.accuracy == 0.5
    assert report.recall("invoice") == 0.5 and report.precision("invoice") == 1.0
    assert report.precision("cod") == 1 / 3 and report.recall("cod") == 1.0
    assert report.precision("payment") == 0.0 and report.support("other") == 1


def test_evaluate_counts_intents_faq_hits_and_handoffs():
    index = FaqIndex([FaqDoc(1, "invoice", "能开发票吗", "invoice", frozenset({"web"}), "能开发票吗")])
    classifier = Fixed({"要发票": ("invoice", 0.9), "开发票": ("invoice", 0.2), "货到付款": ("cod", 0.8)})
    examples = [Example("invoice", "要发票", "invoice"), Example("invoice", "开发票", "invoice"),
                Example("cod", "货到付款"), Example("payment", "嗯")]
    report = evaluate(classifier, examples, index, handoff_below=0.35)
    assert (report.total, report.correct) == (4, 3)
    assert (report.faq_asked, report.faq_correct) == (2, 2)
    assert (report.below_threshold, report.correct_above) == (2, 2)
    assert len(report.latencies_ms) == 4
    data = report.as_dict()
    assert data["confusion"]["payment"] == {"other": 1} and data["accuracy_when_answered"] == 1.0
    text = format_report(report)
    assert "accuracy: 0.7500 (3/4)" in text and "faq top-1: 1.0000 (2/2)" in text
