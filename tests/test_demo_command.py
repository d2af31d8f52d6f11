"""`make demo` end to end: `kefu demo` in a fresh var dir migrates, seeds, prints logins and serves pages,
admin, API docs, static files and websockets on one port, with the background duties running."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.xdist_group("demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_VAR_DIR=str(var), KEFU_DUTY_TICK_SECONDS="0.5", DJANGO_SETTINGS_MODULE="kefu.settings")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (var / "demo.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kefu.cli", "demo", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    else:
        proc.kill()
    yield base, var, proc
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def output(var: Path) -> str:
    return (var / "demo.log").read_text()


def test_demo_serves_every_part_on_one_port(demo):
    base, var, proc = demo
    assert proc.poll() is None, output(var)
    assert (var / "kefu.sqlite3").exists()
    for path, expected in [("/login/", "kefu"), ("/workbench/login/", "kefu"), ("/admin/login/", "Django"),
                           ("/api/docs", "swagger"), ("/api/openapi.json", "/api/v1/")]:
        response = httpx.get(base + path, timeout=10, follow_redirects=True)
        assert response.status_code == 200, path
        assert expected.lower() in response.text.lower(), path
    docs = httpx.get(base + "/api/docs", timeout=10).text
    for asset in [line.split('"')[1] for line in docs.split() if "/static/" in line and '"' in line][:3]:
        assert httpx.get(base + asset, timeout=10).status_code == 200, asset  # no CDN: served locally


def test_demo_prints_a_login_for_every_role(demo):
    _base, var, _proc = demo
    text = output(var)
    for role in ["customer", "presale_agent", "aftersale_agent", "supervisor", "care_team", "warehouse",
                 "operations", "admin"]:
        assert role in text
    assert "kefu-demo-2026" in text


def test_demo_logins_work(demo):
    base, _var, _proc = demo
    with httpx.Client(base_url=base, follow_redirects=True, timeout=10) as client:
        page = client.get("/admin/login/")
        token = client.cookies["csrftoken"]
        response = client.post("/admin/login/?next=/admin/", data={
            "username": "admin", "password": "kefu-demo-2026", "csrfmiddlewaretoken": token})
        assert response.url.path == "/admin/" and page.status_code == 200


def test_embedded_duties_cancel_overdue_unpaid_orders(demo):
    """The demo data holds unpaid orders past their deadline; the in-process duty runner cancels them."""
    base, var, _proc = demo
    script = ("from kefu.commerce.models import Order; from kefu.core import clock; "
              "from kefu.core.models import AuditEntry; "
              "print(Order.objects.filter(status='pending_payment', payment_method='online', "
              "payment_deadline__lte=clock.now()).count(), "
              "AuditEntry.objects.filter(actor_label='duty:cancel_unpaid_orders').count())")
    env = {**os.environ, "KEFU_VAR_DIR": str(var)}
    env.pop("KEFU_DATABASE_URL", None)
    deadline = time.monotonic() + 30
    overdue = cancelled_by_duty = None
    while time.monotonic() < deadline:
        result = subprocess.run([sys.executable, "-m", "kefu.cli", "shell", "--no-imports", "-c", script], env=env,
                                capture_output=True, text=True)
        overdue, cancelled_by_duty = map(int, result.stdout.split())
        if overdue == 0:
            break
        time.sleep(1)
    assert overdue == 0, output(var)
    assert cancelled_by_duty > 0  # the duty did the work, not the seed
    assert httpx.get(f"{base}/api/health", timeout=5).status_code == 200


def test_websocket_refuses_anonymous_watchers(demo):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    base, _var, _proc = demo
    url = base.replace("http://", "ws://") + "/ws/orders/NO-SUCH/"
    with pytest.raises(InvalidStatus) as err, connect(url, origin=base, open_timeout=5) as ws:
        ws.recv(timeout=5)
    assert err.value.response.status_code == 403
