"""Start a 100-question mock exam from a 10,000-question bank, and save answers: server time on SQLite.

Run by hand: .venv/bin/python bench/bench_exam.py [--questions N] [--starts N] [--answers N]
Builds a throwaway SQLite database in a temporary folder with bulk inserts, then times requests
through the Flask test client (the whole server path, without a network) and prints the medians.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxacademy import create_app  # noqa: E402
from cxacademy.assessment.models import Attempt, AttemptItem, ExamBlueprint, Question, QuestionVersion  # noqa: E402
from cxacademy.catalog.models import COMPETENCIES, Lesson, Module  # noqa: E402
from cxacademy.clock import now_utc  # noqa: E402
from cxacademy.config import TestConfig  # noqa: E402
from cxacademy.extensions import db  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(questions: int) -> None:
    now = now_utc()
    db.session.add(Module(id="bench", position=1, area="metrics", competency="metrics", pass_mark=70,
                          titles={"en": "Bench"}, summaries={"en": "Bench"}, content_hash="x", updated_at=now))
    db.session.add(Lesson(id="bench-lesson", module_id="bench", position=1, minutes=5, content_hash="x", updated_at=now))
    db.session.flush()
    db.session.execute(Question.__table__.insert(), [
        {"id": f"b-{n:05d}", "module_id": "bench", "lesson_id": "bench-lesson", "type": "single",
         "competency": COMPETENCIES[n % len(COMPETENCIES)], "dimension": None, "difficulty": 1 + n % 3,
         "scenario": False, "current_version_id": None, "retired_at": None} for n in range(questions)])
    text = {"stem": "Bench stem?", "explanation": "Because.",
            "options": {k: {"text": f"Option {k}", "rationale": "Why."} for k in "abcd"}}
    db.session.execute(QuestionVersion.__table__.insert(), [
        {"id": n + 1, "question_id": f"b-{n:05d}", "version": 1, "content_hash": "x", "type": "single",
         "option_ids": list("abcd"), "correct": ["b"], "texts": {"en": text, "tr": text}, "created_at": now}
        for n in range(questions)])
    db.session.execute(Question.__table__.update().values(
        current_version_id=db.select(QuestionVersion.id).where(QuestionVersion.question_id == Question.id)
        .scalar_subquery()))
    db.session.add(ExamBlueprint(id="ccxp", titles={"en": "CCXP"}, questions=100, minutes=180, by="competency",
                                 counts={"insights": 22, "strategy": 20, "metrics": 20, "design": 19,
                                         "culture_accountability": 19}))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--answers", type=int, default=300)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="cx-bench-")
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        began = time.perf_counter()
        seed(args.questions)
        print(f"seeded {args.questions:,} questions in {time.perf_counter() - began:.1f} s")
        from cxacademy.accounts.services import register_user
        register_user(name="Bench", email="bench@example.com", password="bench-password-1")
        db.session.commit()

    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        token = TOKEN.search(page).group(1)
        client.post("/login", data={"csrf_token": token, "email": "bench@example.com", "password": "bench-password-1"})

        start_times, attempt_ids = [], []
        for _ in range(args.starts):
            began = time.perf_counter()
            response = client.post("/practice/mock", data={"csrf_token": token, "blueprint": "ccxp"})
            start_times.append(time.perf_counter() - began)
            attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
            attempt_ids.append(attempt_id)
            # Submit it so the next start is a new attempt, not a resume of this one.
            db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_id).values(submitted_at=now_utc()))
            db.session.commit()
        db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_ids[-1]).values(submitted_at=None))
        db.session.commit()
        answer_times = []
        for n in range(args.answers):
            position = 1 + n % 100
            began = time.perf_counter()
            response = client.post(f"/attempts/{attempt_ids[-1]}/answer", json={"position": position, "option": ["abcd"[n % 4]]},
                                   headers={"X-CSRFToken": token, "Accept": "application/json"})
            answer_times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.get_data(as_text=True)
        items = db.session.scalar(db.select(db.func.count()).select_from(AttemptItem))

    def ms(values, q):
        return 1000 * statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else 1000 * values[0]

    print(f"{'path':<36}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    print(f"{'start 100-question ccxp mock exam':<36}{len(start_times):>6}{1000 * statistics.median(start_times):>12.1f}{ms(start_times, 95):>10.1f}")
    print(f"{'save one answer (autosave JSON)':<36}{len(answer_times):>6}{1000 * statistics.median(answer_times):>12.1f}{ms(answer_times, 95):>10.1f}")
    print(f"(attempt items written: {items:,}; target: median under 20 ms for both)")


if __name__ == "__main__":
    main()
