"""`flask reminders send` over 100,000 credentials, a few thousand of them due, on SQLite with SMTP on
loopback (aiosmtpd). Run by hand: .venv/bin/python bench/bench_reminders.py [--credentials N] [--due N]
Prints the seconds the send took; the target is under 10 s for 100,000 credentials."""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from cxacademy import create_app  # noqa: E402
from cxacademy.accounts.models import User  # noqa: E402
from cxacademy.clock import now_utc  # noqa: E402
from cxacademy.config import TestConfig  # noqa: E402
from cxacademy.credentials.dates import add_months  # noqa: E402
from cxacademy.credentials.models import CredentialRule, ExternalCredential  # noqa: E402
from cxacademy.credentials.reminders import send_reminders  # noqa: E402
from cxacademy.extensions import db, mail  # noqa: E402

TODAY = date(2026, 11, 30)


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=3_000, help="how many expire exactly 90 days from --today")
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Counter()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    folder = tempfile.mkdtemp(prefix="cx-bench-")
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                                                 "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        mail.init_app(app)
        now = now_utc()
        db.session.add(CredentialRule(id="ccxp", titles={"en": "CCXP"}, validity_months=36, credits_required=30,
                                      min_realtime_credits=15, renewal_window_days=365, categories=[],
                                      is_default=True))
        began = time.perf_counter()
        db.session.execute(User.__table__.insert(), [
            {"email": f"holder{n}@example.com", "name": f"Holder {n}", "password_hash": "x", "role": "learner",
             "locale": ("en", "tr", "de")[n % 3], "active": True, "session_stamp": "s", "created_at": now,
             "review_retention": 0.9, "extra_time_percent": 0, "email_ccxp_reminders": True,
             "email_certificate_reminders": True, "email_assignment_reminders": True}
            for n in range(args.credentials)])
        due_expiry = TODAY + timedelta(days=90)
        rows = []
        for n in range(args.credentials):
            if n < args.due:
                expires = due_expiry
            else:  # spread the rest over years far from any window today
                expires = TODAY + timedelta(days=400 + n % 600)
            earned = add_months(expires, -36)
            rows.append({"user_id": n + 1, "rule_id": "ccxp", "earned_on": earned, "credential_number": None,
                         "cycle": 1, "cycle_started_on": earned, "expires_on": expires, "created_at": now})
        db.session.execute(ExternalCredential.__table__.insert(), rows)
        db.session.commit()
        print(f"seeded {args.credentials:,} credentials ({args.due:,} due) in {time.perf_counter() - began:.1f} s")

        with app.test_request_context(base_url="http://127.0.0.1:5000"):
            began = time.perf_counter()
            report = send_reminders(today=TODAY, now=now_utc(), echo=lambda *_: None)
            elapsed = time.perf_counter() - began
    controller.stop()
    print(f"reminders send: {report.due:,} due, {report.sent_email:,} emails and {report.sent_app:,} in-app "
          f"in {elapsed:.1f} s (SMTP server received {inbox.count:,}); target: under 10 s")


if __name__ == "__main__":
    main()
