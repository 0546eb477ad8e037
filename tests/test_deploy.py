"""The files in deploy/ run the app: gunicorn with deploy/gunicorn.conf.py in production mode on
PostgreSQL, behind nginx with deploy/nginx-cxacademy.conf (TLS with a throwaway certificate),
static files from disk with a year's cache for hashed URLs, and the timers' commands."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port
from .live import ROOT, TOKEN, wait_for
from .test_migrations import empty_postgres_database

DEPLOY = ROOT / "deploy"
PASSWORD = "deployed-password-1"

pytestmark = pytest.mark.postgres


def _binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {name} (.ci/run installs it)")
        pytest.skip(f"{name} is not installed (CI installs it; see .ci/run)")
    return path


def _unit_command(unit: str) -> list[str]:
    """The ExecStart of a systemd unit in deploy/, with the install folder replaced by this checkout."""
    line = next(line for line in (DEPLOY / unit).read_text().splitlines() if line.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart="))
    words[0] = str(Path(sys.executable).parent / Path(words[0]).name)
    return words


def _nginx_config(folder: Path, https_port: int, http_port: int, app_port: int) -> Path:
    site = (DEPLOY / "nginx-cxacademy.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "/srv/cxacademy/": f"{ROOT}/",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/ssl/certs/academy.example.com.pem": str(folder / "cert.pem"),
        "/etc/ssl/private/academy.example.com.key": str(folder / "key.pem"),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx-cxacademy.conf no longer has {old!r}"
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the checkout's static files
    main = folder / "nginx.conf"
    main.write_text(f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""")
    return main


@pytest.fixture
def deployed(tmp_path):
    """gunicorn (deploy/gunicorn.conf.py, production) on PostgreSQL behind nginx (deploy/ site)."""
    nginx = _binary("nginx")
    openssl = _binary("openssl")
    url = empty_postgres_database()
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    env = {**os.environ, "CXACADEMY_ENV": "production", "SECRET_KEY": "deploy-test-secret-key-0123456789",
           "DATABASE_URL": url, "TRUSTED_PROXIES": "1", "GUNICORN_BIND": f"127.0.0.1:{app_port}",
           "GUNICORN_WORKERS": "2", "PUBLIC_BASE_URL": f"https://127.0.0.1:{https_port}",
           "MAIL_SUPPRESS_SEND": "true", "CXACADEMY_PASSWORD": PASSWORD}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    for args in (["db", "upgrade"], ["users", "create", "--email", "ops@example.com", "--name", "Ops"]):
        done = subprocess.run(flask + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    config = _nginx_config(tmp_path, https_port, http_port, app_port)
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    gunicorn = subprocess.Popen(_unit_command("cxacademy.service"), cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"https://127.0.0.1:{https_port}/healthz", insecure)
        yield {"base": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}",
               "tls": insecure, "env": env, "flask": flask}
    finally:
        proxy.terminate()
        gunicorn.terminate()
        proxy.wait(timeout=20)
        gunicorn.wait(timeout=40)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_deploy_files_serve_the_app_on_postgresql_behind_nginx_over_tls(deployed):
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPSHandler(context=deployed["tls"]),
                                          urllib.request.HTTPCookieProcessor(jar))
    with browser.open(deployed["base"] + "/healthz", timeout=10) as response:
        assert json.loads(response.read()) == {"status": "ok"}
    with browser.open(deployed["base"] + "/login", timeout=10) as response:
        page = response.read().decode()
        assert "Content-Security-Policy" in response.headers
    form = {"csrf_token": TOKEN.search(page).group(1), "email": "ops@example.com", "password": PASSWORD}
    # Like a browser, with a Referer: over HTTPS the CSRF check wants one from the same origin.
    login = urllib.request.Request(deployed["base"] + "/login", urllib.parse.urlencode(form).encode(),
                                   headers={"Referer": deployed["base"] + "/login"})
    with browser.open(login, timeout=10) as response:
        assert response.geturl() == deployed["base"] + "/dashboard"
        assert response.status == 200
    session = next(cookie for cookie in jar if cookie.name == "session")
    assert session.secure, "production cookies are Secure, and work through the TLS proxy"


def test_plain_http_is_redirected_to_https(deployed):
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(deployed["http"] + "/login", timeout=10)
    redirect.value.close()
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://")


def test_nginx_serves_hashed_static_files_with_a_year_of_cache(deployed):
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=deployed["tls"]))
    with opener.open(deployed["base"] + "/", timeout=10) as response:
        page = response.read().decode()
    href = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    with opener.open(deployed["base"] + href, timeout=10) as response:
        assert response.read() == (ROOT / "cxacademy" / "static" / "css" / "app.css").read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with opener.open(deployed["base"] + "/static/css/app.css", timeout=10) as response:
        assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_the_timer_units_run_their_commands(deployed):
    for unit in ("cxacademy-reminders.service", "cxacademy-finalize.service"):
        done = subprocess.run(_unit_command(unit), cwd=ROOT, env=deployed["env"], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{unit}: {done.stdout}{done.stderr}"
