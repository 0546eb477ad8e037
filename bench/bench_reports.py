"""Cohort progress matrix and item analysis on a large database, SQLite, server time through Flask.

Run by hand: .venv/bin/python bench/bench_reports.py [--learners 10000] [--cohorts 200] [--answers 1000000]
Seeds with bulk inserts (the shipped course, learners, cohorts of learners/cohorts each, mock and
module-quiz attempts with `answers` recorded answers), then times a 50-learner cohort's report page
and a module's item analysis page. Target: each under one second.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from cxacademy import create_app  # noqa: E402
from cxacademy.accounts.models import User  # noqa: E402
from cxacademy.accounts.services import hash_password  # noqa: E402
from cxacademy.assessment.models import Attempt, AttemptItem, Question, QuestionVersion  # noqa: E402
from cxacademy.clock import now_utc  # noqa: E402
from cxacademy.cohorts.models import Cohort, CohortMember  # noqa: E402
from cxacademy.config import TestConfig  # noqa: E402
from cxacademy.extensions import db  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(app, learners: int, cohorts: int, answers: int) -> None:
    rng = random.Random(7)
    now = now_utc()
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    password = hash_password("bench-password-1")
    db.session.execute(User.__table__.insert(), [
        {"email": f"learner{n}@example.com", "name": f"Learner {n}", "password_hash": password, "role": "learner",
         "locale": "en", "active": True, "session_stamp": "s", "created_at": now, "review_retention": 0.9,
         "extra_time_percent": 0, "email_ccxp_reminders": True, "email_certificate_reminders": True,
         "email_assignment_reminders": True} for n in range(learners)])
    db.session.execute(User.__table__.insert(), [
        {"email": "trainer@example.com", "name": "Trainer", "password_hash": password, "role": "admin",
         "locale": "en", "active": True, "session_stamp": "s", "created_at": now, "review_retention": 0.9,
         "extra_time_percent": 0, "email_ccxp_reminders": True, "email_certificate_reminders": True,
         "email_assignment_reminders": True}])
    trainer_id = db.session.scalar(select(User.id).where(User.email == "trainer@example.com"))
    db.session.execute(Cohort.__table__.insert(), [{"name": f"Cohort {c}", "trainer_id": trainer_id,
                                                    "created_at": now} for c in range(cohorts)])
    per_cohort = learners // cohorts
    db.session.execute(CohortMember.__table__.insert(), [
        {"cohort_id": 1 + n // per_cohort, "user_id": 1 + n, "added_at": now} for n in range(per_cohort * cohorts)])
    questions = db.session.execute(select(Question.id, Question.current_version_id, Question.competency,
                                          Question.module_id, QuestionVersion.option_ids, QuestionVersion.correct)
                                   .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)).all()
    by_module: dict[str, list] = {}
    for q in questions:
        by_module.setdefault(q.module_id, []).append(q)
    per_attempt = 20
    attempts = answers // per_attempt
    db.session.execute(Attempt.__table__.insert(), [
        {"user_id": 1 + n % learners, "kind": "module_quiz", "mode": "exam", "module_id": list(by_module)[n % len(by_module)],
         "started_at": now, "submitted_at": now, "finished_by": "learner", "question_count": per_attempt,
         "correct_count": 0, "pass_mark": 70, "passed": False, "last_position": 1} for n in range(attempts)])
    db.session.commit()
    modules = list(by_module)
    batch = []
    for attempt_id in range(1, attempts + 1):
        pool = by_module[modules[(attempt_id - 1) % len(modules)]]
        for position, q in enumerate(rng.sample(pool, min(per_attempt, len(pool))), start=1):
            chosen = [rng.choice(q.option_ids)]
            batch.append({"attempt_id": attempt_id, "user_id": 1 + (attempt_id - 1) % learners, "position": position, "question_version_id": q.current_version_id,
                          "question_id": q.id, "competency": q.competency, "option_order": q.option_ids,
                          "chosen": chosen, "answered_at": now, "is_correct": chosen == q.correct, "flagged": False})
        if len(batch) >= 50_000:
            db.session.execute(AttemptItem.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(AttemptItem.__table__.insert(), batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="cx-bench-")
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"}))
    with app.app_context():
        db.create_all()
        began = time.perf_counter()
        seed(app, args.learners, args.cohorts, args.answers)
        print(f"seeded {args.learners:,} learners, {args.cohorts} cohorts, {args.answers:,} answers "
              f"in {time.perf_counter() - began:.0f} s")
        client = app.test_client()
        token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"csrf_token": token, "email": "trainer@example.com", "password": "bench-password-1"})
        for label, url in (("cohort report (50 learners)", "/trainer/cohorts/1/report"),
                           ("item analysis (metrics module)", "/trainer/items?module=metrics")):
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.status_code
            print(f"{label:<34} median {1000 * statistics.median(times):7.0f} ms  (target < 1000 ms)")


if __name__ == "__main__":
    main()
