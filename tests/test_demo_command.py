"""`make demo` end to end: `kefu demo` in a fresh var dir migrates, seeds, prints logins and serves pages,
admin, API docs, static files and websockets on one port, with the background duties running."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.demo_server import demo_env, demo_server

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("demo-var")) as server:
        yield server.base, server.var, server.process


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
    env = demo_env(var)
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
