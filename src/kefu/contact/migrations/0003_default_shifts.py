from datetime import time

from django.db import migrations

# The two shifts of seed 001: early 08:30–16:30 and late 16:30–00:30. Editable afterwards.
SHIFTS = [("early", "早班", time(8, 30), time(16, 30)), ("late", "晚班", time(16, 30), time(0, 30))]


def add_shifts(apps, schema_editor):
    Shift = apps.get_model("contact", "Shift")
    for code, name, start, end in SHIFTS:
        Shift.objects.get_or_create(code=code, defaults={"name": name, "start": start, "end": end})


class Migration(migrations.Migration):
    dependencies = [("contact", "0002_initial")]
    operations = [migrations.RunPython(add_shifts, migrations.RunPython.noop)]
