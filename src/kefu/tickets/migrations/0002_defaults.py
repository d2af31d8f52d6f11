from django.db import migrations

QUEUES = [
    ("presale", "售前咨询", "presale", False, False),
    ("aftersale", "售后服务", "aftersale", False, False),
    ("logistics", "物流问题", "logistics", False, False),
    ("complaints", "投诉处理", "complaints", False, False),
    ("diamond", "钻石会员专席", "", True, False),
    ("care", "客户关怀部", "", True, True),
]
# Business minutes: first response, next response, resolution, the supervisor's time after escalation.
POLICIES = [
    (1, "P1 紧急", 30, 60, 8 * 60, 4 * 60),
    (2, "P2 高", 60, 120, 16 * 60, 8 * 60),
    (3, "P3 普通", 120, 240, 32 * 60, 16 * 60),
    (4, "P4 低", 240, 480, 48 * 60, 16 * 60),
]
QUESTIONS = [
    ("问题是否已经解决？", "yes_no", True, 1),
    ("客服的服务态度如何？", "score", False, 2),
    ("您还有什么建议？", "text", False, 3),
]


def add_defaults(apps, schema_editor):
    from kefu.tickets.coach import DEFAULT_PHRASES

    Queue = apps.get_model("tickets", "Queue")
    for code, name, skill, senior_only, care in QUEUES:
        Queue.objects.get_or_create(code=code, defaults={"name": name, "skill": skill, "senior_only": senior_only,
                                                         "care_team": care})
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for priority, name, first, nxt, resolution, supervisor in POLICIES:
        SlaPolicy.objects.get_or_create(priority=priority, defaults={
            "name": name, "first_response_minutes": first, "next_response_minutes": nxt,
            "resolution_minutes": resolution, "supervisor_minutes": supervisor})
    SurveyQuestion = apps.get_model("tickets", "SurveyQuestion")
    if not SurveyQuestion.objects.exists():
        for text, kind, required, position in QUESTIONS:
            SurveyQuestion.objects.create(text=text, kind=kind, required=required, position=position)
    CoachPhrase = apps.get_model("tickets", "CoachPhrase")
    for phrase in DEFAULT_PHRASES:
        CoachPhrase.objects.get_or_create(text=phrase.text, defaults={"suggestion": phrase.suggestion,
                                                                     "why": phrase.why})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
