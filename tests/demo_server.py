"""`kefu demo` as a real subprocess on a free port, in its own var dir (fresh SQLite, demo data), for the
end-to-end tests. It never touches the test database, so it behaves the same in every CI pass."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class DemoServer:
    base: str
    var: Path
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        """The environment of a `kefu` command run against this server's database."""
        return demo_env(self.var)

    def kefu(self, *args: str) -> str:
        """Run a `kefu` management command on the server's database; its stdout."""
        result = subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=self.env, capture_output=True,
                                text=True, check=True)
        return result.stdout

    def output(self) -> str:
        return (self.var / "demo.log").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_VAR_DIR=str(var), KEFU_DUTY_TICK_SECONDS="0.5", DJANGO_SETTINGS_MODULE="kefu.settings")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@contextmanager
def demo_server(var: Path, timeout: float = 120):
    port = free_port()
    log = (var / "demo.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "kefu.cli", "demo", "--port", str(port)], env=demo_env(var),
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    try:
        yield DemoServer(base, var, process)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
