"""`make bench`: seed a fresh database, serve the app with gunicorn, load it with locust, report.

Steps: drop and recreate the bench database's schema, `flask db upgrade`, `flask bench seed`
(timed), gunicorn with deploy/gunicorn.conf.py (2 sync workers, production config, access log
and rate limits off, the bench-only hello page on), then each scenario of bench/load/locustfile.py
in turn against that one server. The table goes to stdout and to bench/results/<UTC time>.md;
locust's own files go to bench/results/<UTC time>.tmp/ (not committed).

    .venv/bin/python bench/load/run.py [--database-url URL] [--seconds 20] [--exam-seconds 60]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgresql://cxacademy:cxacademy-ci@127.0.0.1:5432/cxacademy_bench"
WORKERS = 2


@dataclass(frozen=True)
class Scenario:
    label: str
    user_class: str
    request: str          # the locust entry measured
    users: int
    first_account: int    # bench-learner{n}: scenarios that start exams use accounts of their own
    seconds: float
    min_ratio: float | None = None    # throughput target, as a share of hello's
    max_p99_ms: float | None = None
    max_ms: float | None = None
    show: tuple[str, ...] = ()       # further entries shown for information, without a target


@dataclass
class Figures:
    users: int
    requests: int
    errors: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    app_cpu_ms: float = float("nan")  # per request, every request of the window counted
    db_cpu_ms: float = float("nan")
    locust_cpu_ms: float = float("nan")


def scenarios(users: int, seconds: float, exam_seconds: float) -> list[Scenario]:
    return [
        Scenario("hello (baseline)", "Hello", "hello", users, 0, seconds),
        Scenario("dashboard `/dashboard`", "Dashboard", "dashboard", users, 1, seconds, min_ratio=0.10),
        Scenario("catalogue `/modules`", "Catalogue", "catalogue", users, 1, seconds, min_ratio=0.10),
        Scenario("lesson `/lessons/<id>`", "Lesson", "lesson", users, 1, seconds, min_ratio=0.20),
        Scenario("question `/attempts/<id>?q=n`", "Question", "question page", users, 1, seconds, min_ratio=0.20),
        Scenario("autosave, 200 exam takers", "ExamTaker", "autosave answer", 200, 21, exam_seconds, max_p99_ms=50,
                 show=("exam: next question page",)),
        Scenario("start ccxp mock, 100 in 10 s", "MockStart", "start mock exam", 100, 221, 0, max_ms=200),
    ]


# Steps
def run(command: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, env=env, cwd=ROOT, check=True, **kwargs)


def reset_schema(url: str) -> None:
    """An empty PostgreSQL database: its public schema dropped and made again."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from cxacademy.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, log: Path) -> subprocess.Popen:
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{env['GUNICORN_BIND']}/healthz"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer {url}; see {log}")


def cpu_seconds(pids) -> float:
    """User plus system CPU time the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def server_processes(master: int, database: str) -> tuple[list[int], list[int]]:
    """gunicorn's workers, and the PostgreSQL backends serving this database."""
    workers, backends = [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            workers.append(int(entry.name))
        elif command.startswith("postgres:") and f" {database} " in command:
            backends.append(int(entry.name))
    return workers, backends


class CpuSampler(threading.Thread):
    """Samples, four times a second, the CPU time used so far by gunicorn's workers, by their
    PostgreSQL backends and by the load generator, so that a measured window's share can be read
    afterwards: a figure that other work on the machine disturbs much less than throughput."""

    def __init__(self, master: int, database: str):
        super().__init__(daemon=True)
        self.master, self.database, self.load_generator = master, database, None
        self.samples: list[tuple[float, float, float, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.25):
            workers, backends = server_processes(self.master, self.database)
            generator = [self.load_generator] if self.load_generator else []
            self.samples.append((time.time(), cpu_seconds(workers), cpu_seconds(backends), cpu_seconds(generator)))

    def between(self, start: float, end: float) -> tuple[float, float, float]:
        """(app, database, load generator) CPU seconds used from `start` to `end` (Unix times)."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return float("nan"), float("nan"), float("nan")
        first, last = inside[0], inside[-1]
        return last[1] - first[1], last[2] - first[2], last[3] - first[3]


def run_scenario(scenario: Scenario, host: str, folder: Path, env: dict, start_window: float,
                 sampler: CpuSampler) -> dict:
    prefix = folder / scenario.user_class
    command = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary", "--loglevel", "WARNING",
               "-u", str(scenario.users), "-r", str(scenario.users), "--host", host,
               "--run-time", f"{int(scenario.seconds + start_window + 180)}s",  # a cap; the window ends the run
               "--bench-seconds", str(scenario.seconds), "--first-account", str(scenario.first_account),
               "--start-window", str(start_window), "--csv", str(prefix), "--json-file", str(prefix),
               scenario.user_class]
    with (folder / f"{scenario.user_class}.log").open("w") as log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler.load_generator = locust.pid
        locust.wait()
    return {entry["name"]: entry for entry in json.loads(prefix.with_suffix(".json").read_text())}


def percentile(histogram: dict, share: float) -> float:
    """The smallest response time that `share` of the requests did not exceed (locust rounds the
    times it keeps: to 1 ms under 100 ms, to 10 ms under 1 s)."""
    total, seen = sum(histogram.values()), 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= share * total:
            return ms
    return float("nan")


def figures(entry: dict | None, users: int) -> Figures:
    if entry is None:
        return Figures(users, 0, 0, 0.0, *(float("nan"),) * 4)
    histogram = {float(ms): count for ms, count in entry["response_times"].items()}
    elapsed = max(entry["last_request_timestamp"] - entry["start_time"], 1e-9)
    return Figures(users, entry["num_requests"], entry["num_failures"], entry["num_requests"] / elapsed,
                   percentile(histogram, 0.50), percentile(histogram, 0.95), percentile(histogram, 0.99),
                   float(entry["max_response_time"] or 0))


def with_cpu(measured: Figures, entries: dict, sampler: CpuSampler) -> Figures:
    """The window's CPU time per request (all requests of the window, whatever their name)."""
    window = [e for e in entries.values() if e["num_requests"]]
    if not window:
        return measured
    requests = sum(e["num_requests"] for e in window)
    used = sampler.between(min(e["start_time"] for e in window), max(e["last_request_timestamp"] for e in window))
    # max(0, ..): a backend that exits during the window takes its CPU time with it.
    measured.app_cpu_ms, measured.db_cpu_ms, measured.locust_cpu_ms = (max(0.0, 1000 * seconds / requests)
                                                                       for seconds in used)
    return measured


def verdict(scenario: Scenario, measured: Figures, hello: Figures) -> tuple[str, str, str]:
    """(ratio to hello, target, met) for the table."""
    ratio = measured.rps / hello.rps if hello is not None and hello.rps else float("nan")
    if scenario.min_ratio is not None:
        met = ratio >= scenario.min_ratio and not measured.errors
        return f"{ratio:.3f}", f"≥ {scenario.min_ratio:.2f} × hello", "yes" if met else "**no**"
    if scenario.max_p99_ms is not None:
        met = measured.p99 < scenario.max_p99_ms and measured.errors == 0 and measured.requests > 0
        return "", f"p99 < {scenario.max_p99_ms:.0f} ms, 0 errors", "yes" if met else "**no**"
    if scenario.max_ms is not None:
        met = measured.max < scenario.max_ms and measured.errors == 0 and measured.requests == scenario.users
        return "", f"every start < {scenario.max_ms:.0f} ms, 0 errors", "yes" if met else "**no**"
    return "1", "baseline", ""


def table(rows: list[tuple[str, Figures, tuple[str, str, str]]]) -> str:
    head = ["scenario", "users", "requests", "errors", "req/s", "× hello", "p50 ms", "p95 ms", "p99 ms", "max ms",
            "target", "met", "CPU ms/req: app", "database", "locust"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for label, f, (ratio, target, met) in rows:
        lines.append("| " + " | ".join([label, str(f.users), f"{f.requests:,}", str(f.errors), f"{f.rps:,.0f}", ratio,
                                         f"{f.p50:.0f}", f"{f.p95:.0f}", f"{f.p99:.0f}", f"{f.max:.0f}", target, met,
                                         f"{f.app_cpu_ms:.2f}", f"{f.db_cpu_ms:.2f}", f"{f.locust_cpu_ms:.2f}"])
                     + " |")
    return "\n".join(lines)


def git_commit() -> str:
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return described.stdout.strip() or "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--seconds", type=float, default=20, help="measured window of each page scenario")
    parser.add_argument("--exam-seconds", type=float, default=60, help="measured window of the autosave scenario")
    parser.add_argument("--users", type=int, default=20, help="users of each page scenario (closed loop, no wait)")
    parser.add_argument("--start-window", type=float, default=10, help="the mock-exam starts are spread over it")
    parser.add_argument("--seed-args", default=os.environ.get("BENCH_SEED_ARGS", ""),
                        help="extra options for `flask bench seed`, e.g. '--learners 1000 --answers 100000'")
    parser.add_argument("--keep-data", action="store_true",
                        help="reuse the seeded database (quicker, for profiling rounds; exams started by an earlier "
                             "run are resumed, so the start scenario then measures resumes: leave it out)")
    parser.add_argument("--only", default="", help="comma-separated user classes to run, e.g. Hello,Lesson")
    args = parser.parse_args()

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    folder = RESULTS / f"{stamp}.tmp"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "CXACADEMY_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": args.database_url, "RATELIMIT_ENABLED": "0", "BENCH_HELLO_ENDPOINT": "1",
           "MAIL_SUPPRESS_SEND": "1", "LOG_LEVEL": "WARNING", "GUNICORN_WORKERS": str(WORKERS),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "off", "GUNICORN_MAX_REQUESTS": "0"}
    flask = [str(BIN / "flask"), "--app", "wsgi"]

    seeding = "database kept from an earlier run"
    if not args.keep_data:
        reset_schema(args.database_url)
        run([*flask, "db", "upgrade"], env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        began = time.perf_counter()
        run([*flask, "bench", "seed", *args.seed_args.split()], env)
        seeding = f"`flask bench seed {args.seed_args}`: {time.perf_counter() - began:.0f} s"

    server = start_server(env, folder / "gunicorn.log")
    host = f"http://127.0.0.1:{port}"
    sampler = CpuSampler(server.pid, args.database_url.rsplit("/", 1)[-1])
    sampler.start()
    rows, hello = [], None
    load_before = os.getloadavg()
    try:
        chosen = set(filter(None, args.only.split(",")))
        for scenario in scenarios(args.users, args.seconds, args.exam_seconds):
            if chosen and scenario.user_class not in chosen:
                continue
            print(f"-- {scenario.label}: {scenario.users} users", flush=True)
            entries = run_scenario(scenario, host, folder, env, args.start_window, sampler)
            measured = with_cpu(figures(entries.get(scenario.request), scenario.users), entries, sampler)
            if scenario.user_class == "Hello":
                hello = measured
            rows.append((scenario.label, measured, verdict(scenario, measured, hello)))
            for name in scenario.show:
                rows.append((f"↳ {name} (same run)", figures(entries.get(name), scenario.users), ("", "", "")))
            print(table(rows[-1 - len(scenario.show):]).split("\n", 2)[-1], flush=True)
    finally:
        sampler.stopping.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    database = args.database_url.split("@")[-1] if "@" in args.database_url else args.database_url
    report = "\n".join([
        f"# make bench, {stamp}",
        "",
        f"- commit `{git_commit()}`; {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}",
        f"- database {database}; {seeding}",
        f"- gunicorn, {WORKERS} sync workers, production config, access log and rate limits off, no worker recycling",
        f"- locust on the same machine (it shares the cores with gunicorn): {args.users} users without wait per "
        f"page scenario, {args.seconds:.0f} s each; 200 exam takers for {args.exam_seconds:.0f} s; 100 starts "
        f"spread over {args.start_window:.0f} s",
        f"- load average before the run: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}",
        "",
        table(rows),
        "",
    ])
    # A partial run (some scenarios, or an earlier run's data) is not a result: it stays with locust's files.
    written = folder / "report.md" if args.keep_data or args.only else RESULTS / f"{stamp}.md"
    written.write_text(report)
    print()
    print(report)
    print(f"written to {written.relative_to(ROOT)} (locust's files: {folder.relative_to(ROOT)}/)")


if __name__ == "__main__":
    main()
