"""The app as a real server process, for tests that need one (kill it, run two, put nginx in front):
the `flask` command, a server on a loopback port, waiting for an address to answer, and a small
cookie-keeping browser over urllib."""
from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def run_flask(env: dict, *args: str) -> None:
    """`flask --app wsgi ARGS` in its own process; it must succeed."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def wait_for(url: str, context=None, tries: int = 150) -> None:
    """Until something answers at `url` (any HTTP status counts as an answer)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=1, context=context).close()
            return
        except urllib.error.HTTPError as error:
            error.close()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError(f"nothing answers at {url}")


def serve(env: dict, port: int) -> subprocess.Popen:
    """`flask run` on the port, returned once its health check answers."""
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
    except AssertionError:
        process.kill()
        raise
    return process


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
