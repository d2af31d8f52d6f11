"""Live chat under load: concurrent websocket chats held by ONE server process, and message latency.

Serves kefu with `kefu serve` (uvicorn, one worker, the embedded duties, the in-memory channel layer) on a free
port, against the embedded SQLite in a fresh temporary var dir — or the PostgreSQL in KEFU_DATABASE_URL (use a
database of its own: the benchmark migrates it and adds its users). For each level (100 and 1,000 chats by
default) it:
  1. signs in agents (capacity 10 each, chats ÷ 10 of them) and logs them in to the queue over ws/agent/chat/;
  2. opens one ws/chat/ socket per customer, starts a chat and waits until an agent is assigned;
  3. has every customer send --messages messages, one every --think seconds on average (seeded jitter); each
     agent answers every message at once. Latency = from the sender's send() to the other side's receive, both
     clocks in this process; customer→agent and agent→customer both count;
  4. ends every chat and closes the sockets.
It prints p50/p99 per level against the bound (p99 < 200 ms at 100 chats) as a ratio, the delivered message rate,
and the server's resident memory (VmRSS) with the chats open. --layer compares channel layers side by side: the
settings' own, channels' InMemoryChannelLayer, and kefu.chat.layers.InMemoryChannelLayer (swept once a second).
The server runs kefu's settings with KEFU_CHAT_ACW_SECONDS = 0 (no wrap-up pause between a level's chats).

    .venv/bin/python benchmarks/chat_load.py [--chats 100 1000] [--messages 4] [--think 10]
                                             [--layer settings channels kefu]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOUND_MS = 200.0  # p99 at 100 chats
logging.getLogger("httpx").setLevel(logging.WARNING)
CAPACITY = 10  # chats per agent
WAVE = 100  # customers connecting at once while the level fills


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data (in this process, through the ORM) ------------------------------------------------------------------

def prepare(chats: int, agents: int) -> tuple[list[str], list[str]]:
    """Customers and agents with sessions (no password hashing: sessions are written directly). Returns their
    session keys."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.backends.db import SessionStore

    from kefu.commerce.models import Customer
    from kefu.contact.models import AgentPresence, AgentProfile
    from kefu.core import clock

    User = get_user_model()
    now = clock.now()
    run = f"{int(time.time()) % 100000:05d}"
    handle = Permission.objects.get(content_type__app_label="chat", codename="handle_conversation")

    def users(prefix: str, n: int) -> list:
        rows = [User(username=f"{prefix}{run}-{i}") for i in range(n)]
        for row in rows:
            row.set_unusable_password()
        User.objects.bulk_create(rows, batch_size=500)
        return list(User.objects.filter(username__startswith=f"{prefix}{run}-").order_by("id"))

    customer_users = users("bc", chats)
    Customer.objects.bulk_create([Customer(user=u, name=f"客户{i}", phone=f"17{int(run):05d}{i:04d}", created_at=now)
                                  for i, u in enumerate(customer_users)], batch_size=500)
    agent_users = users("ba", agents)
    for u in agent_users:
        u.user_permissions.add(handle)
    AgentProfile.objects.bulk_create([AgentProfile(user=u, skills=["presale", "aftersale"]) for u in agent_users])
    AgentPresence.objects.bulk_create([AgentPresence(user=u, since=now, chat_capacity=CAPACITY)
                                       for u in agent_users])

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    return [session(u) for u in customer_users], [session(u) for u in agent_users]


def log_everyone_out() -> None:
    """Before a level: no agent left logged in from the level before (their sockets are gone: a server started
    afterwards would give them chats until the silence rule logged them out)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from kefu.chat.services import agents
    from kefu.contact.models import AgentPresence

    ids = AgentPresence.objects.exclude(state="offline").values_list("user_id", flat=True)
    for user in get_user_model().objects.filter(pk__in=list(ids)):
        agents.log_out(user, by="benchmark", reason="benchmark level")
    connection.close()


# --- the load (websocket clients in this process) --------------------------------------------------------------

class Level:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latencies: dict[str, list[float]] = {"customer→agent": [], "agent→customer": []}
        self.errors: list[str] = []


async def connect(base: str, path: str, session_key: str):
    from websockets.asyncio.client import connect as ws_connect

    return await ws_connect(f"ws://{base}{path}", additional_headers={
        "Cookie": f"sessionid={session_key}", "Origin": f"http://{base}"}, max_size=2**22, open_timeout=60,
        ping_interval=None)


async def agent_console(base: str, key: str, level: Level, ready: asyncio.Event, done: asyncio.Event) -> None:
    ws = await connect(base, "/ws/agent/chat/", key)
    await ws.send(json.dumps({"type": "presence", "state": "available"}))

    async def heartbeat():
        while not done.is_set():
            await asyncio.sleep(10)
            await ws.send(json.dumps({"type": "ping"}))

    beat = asyncio.create_task(heartbeat())
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "presence" and frame["state"] in ("available", "busy"):
                ready.set()
            elif kind == "message" and frame["message"]["sender"] == "customer":
                cid = frame["message"]["client_id"]
                if cid in level.sent:
                    level.latencies["customer→agent"].append(time.perf_counter() - level.sent.pop(cid))
                    reply = f"r{cid}"
                    level.sent[reply] = time.perf_counter()
                    await ws.send(json.dumps({"type": "message", "conversation": frame["conversation"],
                                              "body": "好的，马上为您处理", "client_id": reply}))
            elif kind == "error":
                level.errors.append(frame["code"])
            if done.is_set():
                break
    finally:
        beat.cancel()
        await ws.close()


async def customer(base: str, key: str, n: int, level: Level, messages: int, think: float, rng: random.Random,
                   assigned: asyncio.Queue, go: asyncio.Event) -> None:
    ws = await connect(base, "/ws/chat/", key)
    await ws.send(json.dumps({"type": "start", "skill": "aftersale", "body": "你好，我想问一下订单"}))
    replies: asyncio.Queue = asyncio.Queue()

    async def listen():
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "assigned":
                await assigned.put(n)
            elif kind == "message" and frame["message"]["sender"] == "agent":
                cid = frame["message"]["client_id"]
                if cid in level.sent:
                    level.latencies["agent→customer"].append(time.perf_counter() - level.sent.pop(cid))
                    await replies.put(cid)
            elif kind == "error":
                level.errors.append(frame["code"])

    listener = asyncio.create_task(listen())
    await go.wait()
    await asyncio.sleep(rng.uniform(0, think))  # spread the first messages
    for i in range(messages):
        cid = f"c{n}-{i}"
        level.sent[cid] = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "body": f"第{i + 1}个问题：什么时候发货？", "client_id": cid}))
        try:
            await asyncio.wait_for(replies.get(), timeout=60)
        except TimeoutError:
            level.errors.append("no reply")
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    await ws.send(json.dumps({"type": "end"}))
    await asyncio.sleep(0.5)
    listener.cancel()
    await ws.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_level(base: str, chats: int, customers: list[str], agents: list[str], messages: int, think: float,
                    server_pid: int) -> dict:
    level, rng = Level(), random.Random(7)
    done, go = asyncio.Event(), asyncio.Event()
    readies = [asyncio.Event() for _ in agents]
    consoles = [asyncio.create_task(agent_console(base, key, level, ready, done))
                for key, ready in zip(agents, readies, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
    assigned: asyncio.Queue = asyncio.Queue()
    started = time.perf_counter()
    tasks = []
    for wave in range(0, len(customers), WAVE):  # ramp up: a wave of customers at a time, each wave served
        for n in range(wave, min(wave + WAVE, len(customers))):
            tasks.append(asyncio.create_task(customer(base, customers[n], n, level, messages, think,
                                                      random.Random(rng.random()), assigned, go)))
        for _ in range(wave, min(wave + WAVE, len(customers))):
            getter = asyncio.create_task(assigned.get())
            await asyncio.wait([getter, *[t for t in tasks if t.done()]], timeout=180,
                               return_when=asyncio.FIRST_COMPLETED)
            failed = [t for t in tasks if t.done() and t.exception() is not None]
            if failed:
                raise RuntimeError(f"a customer failed: {failed[0].exception()!r}")
            if not getter.done():
                raise TimeoutError("no chat assigned for 180 s")
    setup = time.perf_counter() - started
    rss = rss_mb(server_pid)
    go.set()
    begin = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    done.set()
    for console in consoles:
        console.cancel()
    await asyncio.gather(*consoles, return_exceptions=True)
    every = sorted(x for values in level.latencies.values() for x in values)
    return {"chats": chats, "agents": len(agents), "messages": len(every), "rate": len(every) / elapsed,
            "p50": statistics.median(every) * 1000, "p99": every[max(math.ceil(len(every) * 0.99) - 1, 0)] * 1000,
            "by_way": {k: statistics.median(v) * 1000 for k, v in level.latencies.items() if v},
            "setup": setup, "rss": rss, "errors": len(level.errors)}


LAYERS = {"channels": "channels.layers.InMemoryChannelLayer", "kefu": "kefu.chat.layers.InMemoryChannelLayer"}


def settings_module(var: str, layer: str) -> str:
    """kefu's settings for the server, with the layer to compare (`settings`: as they are) and no wrap-up pause
    between a level's chats."""
    lines = ["from kefu.settings import *  # noqa: F403", "KEFU_CHAT_ACW_SECONDS = 0"]
    if layer != "settings":
        lines.append(f"CHANNEL_LAYERS = {{'default': {{'BACKEND': {LAYERS[layer]!r}}}}}")
    name = f"chat_bench_{layer}"
    Path(var, f"{name}.py").write_text("\n".join(lines) + "\n")
    return name


def serve(var: str, layer: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KEFU_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": settings_module(var, layer),
           "PYTHONPATH": os.pathsep.join([var, os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen([sys.executable, "-m", "kefu.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"127.0.0.1:{port}"
    import httpx

    for _ in range(150):
        try:
            if httpx.get(f"http://{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return server, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--messages", type=int, default=4, help="messages each customer sends (each answered)")
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds between a customer's messages")
    parser.add_argument("--layer", nargs="+", default=["settings"], choices=["settings", *LAYERS],
                        help="the channel layer: as the settings say, or channels' / kefu's in-memory layer "
                             "(several: compared side by side)")
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="kefu-chat-bench-")
    os.environ.setdefault("KEFU_VAR_DIR", var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.settings"
    os.environ.pop("KEFU_REDIS_URL", None)  # one process, an in-memory layer
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    call_command("migrate", verbosity=0)
    database = connection.vendor
    need = max(args.chats)
    customers, agents = prepare(need, math.ceil(need / CAPACITY))
    connection.close()

    print(f"server: `kefu serve` (uvicorn, 1 process, duties on), {database}; the load driver shares the "
          f"{os.cpu_count()} cores; load average now {os.getloadavg()[0]:.1f}")
    print(f"each customer: {args.messages} messages, ~{args.think:g} s apart, each answered by the agent at once "
          f"(offered: 2 × chats ÷ {args.think:g} messages/s)")
    print(f"{'layer':<9}{'chats':>6}{'agents':>7}{'msgs':>7}{'msg/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'p99 ÷ 200 ms':>14}{'RSS MB':>8}{'setup s':>9}{'err':>5}")
    for layer in args.layer:
        server, base = serve(var, layer)
        try:
            for chats in args.chats:
                log_everyone_out()
                r = asyncio.run(run_level(base, chats, customers[:chats], agents[:math.ceil(chats / CAPACITY)],
                                          args.messages, args.think, server.pid))
                print(f"{layer:<9}{r['chats']:>6}{r['agents']:>7}{r['messages']:>7}{r['rate']:>8.0f}{r['p50']:>9.1f}"
                      f"{r['p99']:>9.1f}{r['p99'] / BOUND_MS:>13.2f}×{r['rss']:>8.0f}{r['setup']:>9.1f}"
                      f"{r['errors']:>5}   (p50 {', '.join(f'{k} {v:.1f} ms' for k, v in r['by_way'].items())})",
                      flush=True)
                if server.poll() is not None:
                    raise SystemExit("the server died")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"bound: p99 < {BOUND_MS:.0f} ms at 100 chats (a ratio below 1× meets it)")


if __name__ == "__main__":
    main()
