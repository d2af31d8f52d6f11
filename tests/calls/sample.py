"""The sample queue_log (data/queue_log.sample) and what is in it, worked out by hand.

Monday 2026-11-23, from 08:30 Shanghai (E0 = 1795393800 = 00:30 UTC). Queues aftersale and presale; agents
SIP/8001, SIP/8002 and Agent/1001. Every queue_log event kefu reads appears at least once, and four lines are
malformed (14: too few fields, 23: bad timestamp, 33: CONNECT holdtime "abc", 34: three fields).

call  line(s)        what happens                                   outcome       wait  talk  agent
A     6,7,8,13       rings SIP/8002 unanswered, SIP/8001 answers     answered      23    180   SIP/8001
B     9,10,18        SIP/8002 answers, the caller hangs up           answered      8     300   SIP/8002
C     11,12          hangs up after 45 s                             abandoned     45    -
D     15,16          hangs up after 3 s (a short abandon)            abandoned     3     -
E     17,26          the queue's timeout after 300 s                 overflowed    300   -
F     19,20          no agent could take it (EXITEMPTY) after 2 s    overflowed    2     -
G     21,22          pressed a key after 30 s                        overflowed    30    -
H     25,27,30       Agent/1001 answers, blind transfer to 8800      transferred   12    120   Agent/1001
I     28,29,32       SIP/8002 answers, attended transfer             transferred   6     100   SIP/8002
J     36             still waiting                                   in progress   -
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PATH = Path(__file__).parent / "data" / "queue_log.sample"
SHANGHAI = ZoneInfo("Asia/Shanghai")
E0 = 1795393800
START = datetime.fromtimestamp(E0, UTC)  # 08:30 Shanghai
DAY = START.astimezone(SHANGHAI).date()
LINES = 42
BAD_LINES = [14, 23, 33, 34]
SKIPPED = 2  # QUEUESTART, CONFIGRELOAD
EVENTS = LINES - 1 - len(BAD_LINES) - SKIPPED  # one blank line


def call_id(letter: str) -> str:
    offsets = dict(zip("ABCDEFGHIJ", (60, 120, 200, 300, 400, 500, 600, 700, 800, 1000), strict=True))
    return f"{E0 + offsets[letter]}.{101 + 'ABCDEFGHIJ'.index(letter)}"


def at(seconds: int) -> datetime:
    return START + timedelta(seconds=seconds)


def text() -> str:
    return PATH.read_text(encoding="utf-8")


OUTCOMES = {"A": "answered", "B": "answered", "C": "abandoned", "D": "abandoned", "E": "overflowed",
            "F": "overflowed", "G": "overflowed", "H": "transferred", "I": "transferred", "J": "in_progress"}
WAITS = {"A": 23, "B": 8, "C": 45, "D": 3, "E": 300, "F": 2, "G": 30, "H": 12, "I": 6, "J": None}
TALKS = {"A": 180, "B": 300, "H": 120, "I": 100}
AGENTS = {"A": "SIP/8001", "B": "SIP/8002", "H": "Agent/1001", "I": "SIP/8002"}
