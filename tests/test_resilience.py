"""A real server process is killed with SIGKILL in the middle of a mock exam and started again:
every answer saved before the kill is there, and the deadline has not moved."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _env(tmp_path):
    return {**os.environ, "CXACADEMY_ENV": "development", "SECRET_KEY": "resilience-test-secret-key-000",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}", "RATELIMIT_ENABLED": "false",
            "CXACADEMY_PASSWORD": "resilient-password-1"}


def _flask(env, *args):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _serve(env, port):
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start")


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, data=None, json_body=None, token=None):
        headers = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}
        else:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers, method="POST")
        with self.opener.open(request, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def token(self):
        return TOKEN.search(self.get("/")[1]).group(1)


def test_answers_and_deadline_survive_a_killed_server(tmp_path):
    env = _env(tmp_path)
    _flask(env, "db", "upgrade")
    _flask(env, "content", "import")
    _flask(env, "users", "create", "--email", "steady@example.com", "--name", "Steady")
    port = free_port()
    server = _serve(env, port)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.post("/login", {"csrf_token": browser.token(), "email": "steady@example.com",
                                "password": "resilient-password-1"})
        token = browser.token()
        url, page = browser.post("/practice/mock", {"csrf_token": token, "blueprint": "mini"})
        attempt = re.search(r"/attempts/(\d+)", url).group(1)
        deadline = re.search(r'data-deadline="([^"]+)"', page).group(1)
        chosen = {}
        for position in range(1, 13):  # about half of the 25 questions
            page = browser.get(f"/attempts/{attempt}?q={position}")[1]
            option = re.findall(r'name="option" value="([^"]+)"', page)[0]
            browser.post(f"/attempts/{attempt}/answer", json_body={"position": position, "option": [option]}, token=token)
            chosen[position] = option
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)

    server = _serve(env, port)
    try:
        page = browser.get(f"/attempts/{attempt}?q=1")[1]
        assert re.search(r'data-deadline="([^"]+)"', page).group(1) == deadline
        for position, option in chosen.items():
            page = browser.get(f"/attempts/{attempt}?q={position}")[1]
            assert re.search(rf'value="{option}"[^>]*checked', page), position
        url, report = browser.post(f"/attempts/{attempt}/submit", {"csrf_token": browser.token()})
        assert url.endswith("/report") and "By competency, weakest first" in report
    finally:
        server.terminate()
        server.wait(timeout=10)
