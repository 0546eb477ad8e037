"""A real server process is killed with SIGKILL in the middle of a mock exam and started again:
every answer saved before the kill is there, and the deadline has not moved."""
from __future__ import annotations

import os
import re
import signal

from .conftest import free_port
from .live import Browser, run_flask, serve


def _env(tmp_path):
    return {**os.environ, "CXACADEMY_ENV": "development", "SECRET_KEY": "resilience-test-secret-key-000",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}", "RATELIMIT_ENABLED": "false",
            "CXACADEMY_PASSWORD": "resilient-password-1"}


def test_answers_and_deadline_survive_a_killed_server(tmp_path):
    env = _env(tmp_path)
    run_flask(env, "db", "upgrade")
    run_flask(env, "content", "import")
    run_flask(env, "users", "create", "--email", "steady@example.com", "--name", "Steady")
    port = free_port()
    server = serve(env, port)
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

    server = serve(env, port)
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
