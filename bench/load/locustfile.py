"""Load scenarios for `make bench`: one user class per scenario, run one at a time by bench/load/run.py.

Every user gets ready in on_start (logs in as a known account from `flask bench seed`, starts an
exam where the scenario needs one) without being measured: the last user to be ready resets the
statistics and the measured window starts, then ends `--bench-seconds` later (the start scenario
ends when every learner has started). A page that redirects (to the login page, say) counts as an
error, not as a fast page. By hand, against a seeded database and a running server:

    locust -f bench/load/locustfile.py --headless -u 20 -r 20 --host http://127.0.0.1:8000 Dashboard
"""
from __future__ import annotations

import itertools
import random
import re
from http.cookiejar import DefaultCookiePolicy

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OPTION = re.compile(r'name="option" value="([^"]+)"')
MODULE_LINK = re.compile(r'href="/modules/([^"/?#]+)"')
LESSON_LINK = re.compile(r'href="/lessons/([^"/?#]+)"')
ATTEMPT_LINK = re.compile(r"/attempts/(\d+)")
QUESTIONS = re.compile(r"Question (\d+) of (\d+)")


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--bench-seconds", type=float, default=20, help="Length of the measured window")
    parser.add_argument("--first-account", type=int, default=1, help="First bench-learner{n} account to log in as")
    parser.add_argument("--bench-password", default="bench-password-1", help="The seeded accounts' password")
    parser.add_argument("--start-window", type=float, default=10, help="Mock-exam starts spread over this many seconds")


class LoopbackCookies(DefaultCookiePolicy):
    """Production cookies are Secure; the bench talks plain HTTP to gunicorn on loopback (where nginx
    would already have ended TLS), so send them anyway, as a browser does over HTTPS."""

    def return_ok_secure(self, cookie, request):
        return True


class Window:
    """The measured window: opens when every user is ready, closes after --bench-seconds."""

    ready = 0
    done = 0
    opened = Event()
    accounts = itertools.count()

    @classmethod
    def wait_for_everyone(cls, environment, close_after: float | None) -> None:
        cls.ready += 1
        if cls.ready == environment.runner.target_user_count:
            environment.runner.stats.reset_all()
            if close_after is not None:
                gevent.spawn_later(close_after, environment.runner.quit)
            cls.opened.set()
        cls.opened.wait()


class Learner(FastHttpUser):
    """A known account, logged in before the window opens."""

    abstract = True
    wait_time = between(0, 0)  # closed loop: a user asks again as soon as it has its answer

    def on_start(self):
        options = self.environment.parsed_options
        self.client.cookiejar.set_policy(LoopbackCookies())
        try:
            self.log_in(f"bench-learner{options.first_account + next(Window.accounts)}@example.com",
                        options.bench_password)
            self.prepare()
        finally:  # a user that could not get ready still counts, or the window would never open
            Window.wait_for_everyone(self.environment, self.window_length())

    def window_length(self) -> float | None:
        return self.environment.parsed_options.bench_seconds

    def prepare(self) -> None:
        """What the scenario needs besides a session (an exam, lesson ids)."""

    def log_in(self, email: str, password: str) -> None:
        page = self.client.get("/login", name="setup: GET /login")
        self.token = TOKEN.search(page.text).group(1)
        response = self.client.post("/login", data={"csrf_token": self.token, "email": email, "password": password},
                                    name="setup: POST /login", allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"{email} could not log in: HTTP {response.status_code}")

    def page(self, url: str, name: str):
        """GET a page the learner may see; anything but 200 (a redirect to the login page) is an error."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def start_mock_exam(self) -> tuple[str, object]:
        """Start (or resume) a ccxp mock exam; returns the attempt id and its first question's page."""
        response = self.client.post("/practice/mock", data={"csrf_token": self.token, "blueprint": "ccxp"},
                                    name="setup: start mock exam", allow_redirects=False)
        attempt = ATTEMPT_LINK.search(response.headers.get("Location") or "").group(1)
        return attempt, self.client.get(f"/attempts/{attempt}?q=1", name="setup: first question")


class Hello(FastHttpUser):
    """The baseline: the same server answering a page that does nothing."""

    wait_time = between(0, 0)

    def on_start(self):
        Window.wait_for_everyone(self.environment, self.environment.parsed_options.bench_seconds)

    @task
    def hello(self):
        with self.client.get("/bench/hello", name="hello", catch_response=True) as response:
            if response.status_code != 200 or response.text != "hello":
                response.failure(f"HTTP {response.status_code}")


class Dashboard(Learner):
    @task
    def dashboard(self):
        self.page("/dashboard", "dashboard")


class Catalogue(Learner):
    @task
    def catalogue(self):
        self.page("/modules", "catalogue")


class Lesson(Learner):
    """Reads lessons at random from every module (found by following the catalogue's links)."""

    def prepare(self):
        modules = MODULE_LINK.findall(self.client.get("/modules", name="setup: catalogue").text)
        self.lessons = sorted({lesson for module in set(modules)
                               for lesson in LESSON_LINK.findall(self.client.get(f"/modules/{module}",
                                                                                 name="setup: module").text)})

    @task
    def lesson(self):
        self.page(f"/lessons/{random.choice(self.lessons)}", "lesson")


class Question(Learner):
    """Opens questions of its own mock exam at random, as a learner moving around the exam does."""

    def prepare(self):
        self.attempt, page = self.start_mock_exam()
        self.questions = int(QUESTIONS.search(page.text).group(2))

    @task
    def question(self):
        self.page(f"/attempts/{self.attempt}?q={random.randint(1, self.questions)}", "question page")


class ExamTaker(Learner):
    """Sits a ccxp mock exam: every few seconds saves an answer the way the page's script does
    (JSON, CSRF token in a header), then moves on to the next question."""

    wait_time = between(2, 4)

    def prepare(self):
        self.attempt, page = self.start_mock_exam()
        self.read(page, 1)

    def on_start(self):
        super().on_start()
        # Released together when the window opens, 200 learners would all save in the same
        # instant; exam takers in steady state are spread over their few seconds.
        gevent.sleep(random.uniform(0, 4))

    def read(self, page, position: int) -> None:
        self.position = position
        self.options = OPTION.findall(page.text)
        self.questions = int(QUESTIONS.search(page.text).group(2))

    @task
    def answer_and_move_on(self):
        with self.client.post(f"/attempts/{self.attempt}/answer", name="autosave answer", catch_response=True,
                              json={"position": self.position, "option": [random.choice(self.options)]},
                              headers={"X-CSRFToken": self.token, "Accept": "application/json"}) as response:
            if response.status_code != 200 or response.json().get("saved") is not True:
                response.failure(f"HTTP {response.status_code}")
        following = self.position % self.questions + 1
        page = self.page(f"/attempts/{self.attempt}?q={following}", "exam: next question page")
        if page.status_code == 200:
            self.read(page, following)


class MockStart(Learner):
    """Starts a 100-question ccxp mock exam once, at a random moment of the start window."""

    def window_length(self):
        return None  # closes when the last learner has started

    @task
    def start_once(self):
        gevent.sleep(random.uniform(0, self.environment.parsed_options.start_window))
        with self.client.post("/practice/mock", data={"csrf_token": self.token, "blueprint": "ccxp"},
                              name="start mock exam", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or not ATTEMPT_LINK.search(response.headers.get("Location") or ""):
                response.failure(f"not started: HTTP {response.status_code}")
        Window.done += 1
        if Window.done == self.environment.runner.target_user_count:
            gevent.spawn(self.environment.runner.quit)
        raise StopUser()
