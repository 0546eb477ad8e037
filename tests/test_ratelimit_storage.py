"""Rate limits with several app servers: counts kept in a real Redis server are shared by every
process; behind a proxy the limit is per client address, and a client cannot forge one."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
from contextlib import contextmanager

import pytest
import redis

from .conftest import free_port, post_form
from .live import TOKEN, Browser, run_flask, serve

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


@contextmanager
def _servers(storage_uri: str, tmp_path, count: int):
    """`count` app server processes on one database, rate limits kept in `storage_uri`; a browser each."""
    env = {**os.environ, "CXACADEMY_ENV": "development", "SECRET_KEY": "rate-limit-test-secret-key-00",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": storage_uri, "LOGIN_RATE_LIMIT": f"{LIMIT} per minute"}
    run_flask(env, "db", "upgrade")
    ports = [free_port() for _ in range(count)]
    processes = []
    try:
        for port in ports:
            processes.append(serve(env, port))
        yield [Browser(f"http://127.0.0.1:{port}") for port in ports]
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


def _wrong_login(browser: Browser) -> int:
    """The HTTP status of a login with a wrong password."""
    token = TOKEN.search(browser.get("/login")[1]).group(1)
    try:
        browser.post("/login", {"csrf_token": token, "email": "nobody@example.com", "password": "wrong-password-1"})
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    return 200


def _failed_login_statuses(storage_uri: str, tmp_path) -> list[int]:
    """Six wrong passwords, alternating between two app servers."""
    with _servers(storage_uri, tmp_path, 2) as browsers:
        return [_wrong_login(browsers[attempt % 2]) for attempt in range(6)]


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
    with _servers(redis_url, tmp_path, 1) as (browser,):
        assert _wrong_login(browser) == 401
        redis.Redis.from_url(redis_url).shutdown(nosave=True)
        statuses = [_wrong_login(browser) for _ in range(LIMIT + 1)]
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
