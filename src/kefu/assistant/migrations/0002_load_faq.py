"""The knowledge base's first entries: the eleven FAQs of seed 000 (篇三) and the shop's own, from
data/faq.json. Entries are added by key and never overwritten, so running it on a database whose supervisors
already edited the FAQ changes nothing they wrote. Later additions to faq.json reach existing databases with
`kefu assistant load-faq` (same rule)."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

FAQ_FILE = Path(__file__).resolve().parent.parent / "data" / "faq.json"
CUSTOMER_CHANNELS = ["web", "app", "chat"]
FIELDS = ("question", "answer", "alternatives", "category", "intent", "channels", "is_active")


def load(apps, schema_editor):
    FaqEntry = apps.get_model("assistant", "FaqEntry")
    FaqVersion = apps.get_model("assistant", "FaqVersion")
    existing = set(FaqEntry.objects.values_list("key", flat=True))
    now = timezone.now()
    for item in json.loads(FAQ_FILE.read_text(encoding="utf-8")):
        if item["key"] in existing:
            continue
        entry = FaqEntry.objects.create(
            key=item["key"], question=item["question"], answer=item["answer"],
            alternatives="\n".join(item.get("alternatives", [])), category=item["category"], intent=item["intent"],
            channels=item.get("channels", CUSTOMER_CHANNELS), is_active=True, version=1, created_at=now,
            updated_at=now)
        FaqVersion.objects.create(entry=entry, version=1, saved_at=now,
                                  note=f"loaded from faq.json ({item.get('source', 'kefu')})",
                                  **{name: getattr(entry, name) for name in FIELDS})


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
