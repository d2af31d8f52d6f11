"""The after-sales team of the demo: the seeded after-sale agent and warehouse clerk, and two colleagues each.

The 100-minute report counts decisions per clerk and the case list filters "mine": with one agent and one
clerk both would be one row. The colleagues are seeded accounts like the others (same password, the seed's
e-mail domain, so `--flush` removes them); `kefu seed` prints only one login per role.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from kefu.commerce.seed.people import STAFF_EMAIL_DOMAIN
from kefu.core import roles

AGENTS = (("aftersale_agent", "丁康"), ("aftersale_agent2", "张敏"), ("aftersale_agent3", "赵宇"))
CLERKS = (("warehouse", "王磊"), ("warehouse2", "孙丽"), ("warehouse3", "钱坤"))


def ensure_team(password_hash: str, joined_at) -> dict[str, object]:
    """username -> User for every agent and clerk; creates the colleagues the seed has not made yet. An
    account of that name made by someone else is used as it is (the seed never changes it)."""
    User = get_user_model()
    team = {}
    for members, role in ((AGENTS, roles.AFTERSALE_AGENT), (CLERKS, roles.WAREHOUSE)):
        for username, name in members:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, password=password_hash, first_name=name,
                            email=f"{username}@{STAFF_EMAIL_DOMAIN}", date_joined=joined_at)
                user.save()
                roles.grant(user, role)
            team[username] = user
    return team
