"""Rate limits with several app servers: counts kept in a real Redis server are shared by every
process; behind a proxy the limit is per client address, and a client cannot forge one."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis

from .conftest import free_port, post_form
from .test_resilience import TOKEN, Browser, _flask

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, no persistence; stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have redis-server (.ci/run installs Debian's redis-server)")
        pytest.skip("redis-server is not installed (CI installs it; see .ci/run)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            raise AssertionError("redis-server did not start")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def _serve(env, port):
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start")


def _failed_login_statuses(storage_uri: str, tmp_path) -> list[int]:
    """Two app server processes on one database; six wrong passwords, alternating between them."""
    env = {**os.environ, "CXACADEMY_ENV": "development", "SECRET_KEY": "rate-limit-test-secret-key-00",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": storage_uri, "LOGIN_RATE_LIMIT": f"{LIMIT} per minute"}
    _flask(env, "db", "upgrade")
    ports = [free_port(), free_port()]
    servers = [_serve(env, port) for port in ports]
    try:
        browsers = [Browser(f"http://127.0.0.1:{port}") for port in ports]
        statuses = []
        for attempt in range(6):
            browser = browsers[attempt % 2]
            token = TOKEN.search(browser.get("/login")[1]).group(1)
            try:
                browser.post("/login", {"csrf_token": token, "email": "nobody@example.com",
                                        "password": "wrong-password-1"})
                statuses.append(200)
            except urllib.error.HTTPError as error:
                error.close()
                statuses.append(error.code)
        return statuses
    finally:
        for server in servers:
            server.kill()
            server.wait(timeout=10)


def test_two_app_servers_share_login_rate_limit_counts_in_redis(redis_url, tmp_path):
    statuses = _failed_login_statuses(redis_url, tmp_path)
    assert statuses[:LIMIT] == [401] * LIMIT
    assert statuses[LIMIT:] == [429] * (6 - LIMIT), statuses
    keys = redis.Redis.from_url(redis_url).keys("*LIMITER/cxacademy/*accounts.login*")
    assert keys, "the login counts are in Redis under the app's key prefix"


def test_with_memory_storage_each_app_server_counts_alone(tmp_path):
    """The control for the test above: without Redis, six alternating attempts stay under 3 per server."""
    assert _failed_login_statuses("memory://", tmp_path) == [401] * 6


def test_login_still_answers_when_redis_goes_away(redis_url, tmp_path):
    """A server process (its own limiter, as in production) loses Redis mid-way: wrong passwords
    are still refused and then limited, counted in process memory meanwhile; never a 500."""
    env = {**os.environ, "CXACADEMY_ENV": "development", "SECRET_KEY": "rate-limit-test-secret-key-00",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'alone.sqlite3'}", "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": redis_url, "LOGIN_RATE_LIMIT": f"{LIMIT} per minute"}
    _flask(env, "db", "upgrade")
    port = free_port()
    server = _serve(env, port)
    browser = Browser(f"http://127.0.0.1:{port}")

    def wrong_login() -> int:
        token = TOKEN.search(browser.get("/login")[1]).group(1)
        try:
            browser.post("/login", {"csrf_token": token, "email": "a@example.com", "password": "wrong-password-x"})
        except urllib.error.HTTPError as error:
            error.close()
            return error.code
        return 200

    try:
        assert wrong_login() == 401
        redis.Redis.from_url(redis_url).shutdown(nosave=True)
        statuses = [wrong_login() for _ in range(LIMIT + 1)]
    finally:
        server.kill()
        server.wait(timeout=10)
    assert statuses[0] == 401 and statuses[-1] == 429, statuses


def _limited_logins(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    statuses = []
    with app.app_context():
        for address in forwarded_for:
            response = post_form(client, "/login", {"email": "a@example.com", "password": "wrong-password-x"},
                                 headers={"X-Forwarded-For": address})
            statuses.append(response.status_code)
    return statuses


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    statuses = _limited_logins(app, ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2", "203.0.113.1"])
    assert statuses == [401, 401, 401, 401, 429]


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_limit(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=0)
    statuses = _limited_logins(app, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
    assert statuses == [401, 401, 429]
