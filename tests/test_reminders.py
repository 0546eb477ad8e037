"""Expiry reminders: windows by injected date, sent once per key, failures retried, dry run, two servers."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from cxacademy.credentials import services
from cxacademy.credentials.models import CredentialRule, Notification, ReminderLog
from cxacademy.credentials.reminders import due_reminders, windows_for
from cxacademy.extensions import db

from .conftest import free_port, make_config
from .course_files import small_course
from .test_migrations import empty_postgres_database

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "content" / "credential_rules.yaml"


@pytest.fixture
def rules(runner, tmp_path):
    root = small_course(tmp_path / "content")
    shutil.copy(RULES, root / "credential_rules.yaml")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return {r.id: r for r in db.session.scalars(select(CredentialRule))}


def ccxp(rules, user, earned_on):
    credential = services.record_credential(user.id, rules["ccxp"], earned_on=earned_on, credential_number=None,
                                            today=earned_on)
    db.session.commit()
    return credential


def windows_due(today):
    return sorted((r.subject_id, r.window.name) for r in due_reminders(today))


def test_windows_include_the_renewal_opening_and_configured_days(app):
    names = [w.name for w in windows_for(365)]
    assert names == ["open", "d180", "d90", "d30", "d7", "d0", "after30"]
    assert [w.name for w in windows_for(None)] == ["d180", "d90", "d30", "d7", "d0", "after30"]


@pytest.mark.parametrize("today,window", [
    (date(2026, 2, 27), None),           # a day before the renewal window opens
    (date(2026, 2, 28), "open"),         # 365 days before 28 Feb 2027
    (date(2026, 9, 1), "d180"),
    (date(2026, 11, 30), "d90"),
    (date(2026, 12, 20), "d90"),         # the latest passed window, caught up by a late run
    (date(2027, 1, 29), "d30"),
    (date(2027, 2, 21), "d7"),
    (date(2027, 2, 28), "d0"),
    (date(2027, 3, 30), "after30"),
    (date(2027, 4, 28), "after30"),       # the last day of its 30-day catch-up band
    (date(2027, 4, 29), None),           # long after: no more reminders
])
def test_reminder_window_by_date_with_leap_day_expiry(rules, make_user, today, window):
    credential = ccxp(rules, make_user(), date(2024, 2, 29))  # expires 28 Feb 2027
    expected = [(credential.id, window)] if window else []
    assert windows_due(today) == expected


def test_expiring_certificates_get_reminders_too(rules, make_user):
    from cxacademy.credentials.models import Certificate

    user = make_user()
    db.session.add(Certificate(user_id=user.id, kind="programme", code="c0de", expires_on=date(2027, 1, 31)))
    db.session.commit()
    reminders = due_reminders(date(2027, 1, 1))
    assert [(r.subject_kind, r.window.name) for r in reminders] == [("certificate", "d30")]


def test_deactivated_users_get_no_reminders(rules, make_user):
    user = make_user(active=False)
    ccxp(rules, user, date(2024, 2, 29))
    assert windows_due(date(2026, 11, 30)) == []


def send(runner, today: str, *extra):
    return runner.invoke(args=["reminders", "send", "--today", today, *extra])


def test_running_twice_sends_one_email_and_one_notification(rules, runner, make_user, smtp_server):
    user = make_user(locale="en")
    credential = ccxp(rules, user, date(2024, 2, 29))
    first = send(runner, "2026-11-30")
    assert first.exit_code == 0, first.output
    second = send(runner, "2026-11-30")
    assert second.exit_code == 0 and "0 email and 0 in-app; 2 already sent" in second.output
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email and "expires in 90 days" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/credentials/ccxp/{credential.id}" in body
    ics = next(part for part in message.iter_attachments() if part.get_content_type() == "text/calendar")
    assert "DTSTART;VALUE=DATE:20270228" in ics.get_content()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_reminder_email_is_in_the_users_language(rules, runner, make_user, smtp_server):
    ccxp(rules, make_user(locale="tr"), date(2024, 2, 29))
    send(runner, "2026-11-30")
    subject = smtp_server.messages[0]["Subject"]
    assert "expires" not in subject and "90" in subject


def test_certificate_reminder_names_the_module_by_its_title_in_the_learners_language(rules, runner, make_user,
                                                                                      smtp_server):
    from cxacademy.credentials.models import Certificate

    learner = make_user(locale="tr")
    db.session.add(Certificate(user_id=learner.id, kind="module", module_id="mod-1", code="c0de1",
                               expires_on=date(2027, 2, 28)))
    db.session.commit()
    assert send(runner, "2026-11-30").exit_code == 0
    subject = smtp_server.messages[0]["Subject"]
    assert "Modül mod-1" in subject and "(mod-1)" not in subject
    from icalendar import Calendar

    ics = next(part for part in smtp_server.messages[0].iter_attachments()
               if part.get_content_type() == "text/calendar").get_content()
    summaries = [str(event["SUMMARY"]) for event in Calendar.from_ical(ics).walk("VEVENT")]
    assert summaries[0] == subject
    assert all(s == f"{subject} (hatırlatma)" for s in summaries[1:]) and len(summaries) > 1
    notification = db.session.scalar(select(Notification))
    assert notification.title == subject


def test_email_preference_off_sends_only_the_notification(rules, runner, make_user, smtp_server):
    user = make_user()
    user.email_ccxp_reminders = False
    db.session.commit()
    ccxp(rules, user, date(2024, 2, 29))
    assert send(runner, "2026-11-30").exit_code == 0
    assert smtp_server.messages == [] and db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_dry_run_prints_and_writes_nothing(rules, runner, make_user, smtp_server):
    user = make_user()
    ccxp(rules, user, date(2024, 2, 29))
    result = send(runner, "2026-11-30", "--dry-run")
    assert result.exit_code == 0 and "would send email" in result.output and user.email in result.output
    assert smtp_server.messages == []
    assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_unreachable_smtp_exits_non_zero_and_marks_no_email_sent(app, rules, runner, make_user):
    from cxacademy.extensions import mail

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    mail.init_app(app)
    ccxp(rules, make_user(), date(2024, 2, 29))
    result = send(runner, "2026-11-30")
    assert result.exit_code == 1 and "could not be sent" in result.output
    keys = list(db.session.scalars(select(ReminderLog.key)))
    assert keys and all(key.endswith(":app") for key in keys)


def test_a_failed_email_is_retried_next_run_while_the_others_go_out(app, rules, runner, make_user, smtp_server):
    refused = make_user(email="bounce@example.com")
    fine = make_user()
    ccxp(rules, refused, date(2024, 2, 29))
    ccxp(rules, fine, date(2024, 2, 29))
    smtp_server.refuse.add("bounce@example.com")
    first = send(runner, "2026-11-30")
    assert first.exit_code == 1 and "bounce@example.com" in first.output
    assert [m["To"] for m in smtp_server.messages] == [fine.email]
    smtp_server.refuse.clear()
    second = send(runner, "2026-11-30")
    assert second.exit_code == 0 and "sent 1 email" in second.output
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([fine.email, refused.email])


@pytest.mark.postgres
def test_two_servers_sending_at_once_send_each_reminder_once(tmp_path):
    """Two `flask reminders send` processes race on one PostgreSQL database: every email goes out once."""
    url = empty_postgres_database()
    from cxacademy import create_app
    from cxacademy.accounts.services import register_user

    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    root = small_course(tmp_path / "content")
    shutil.copy(RULES, root / "credential_rules.yaml")
    with app.app_context():
        db.create_all()
        assert app.test_cli_runner().invoke(args=["content", "import", str(root)]).exit_code == 0
        rule = db.session.get(CredentialRule, "ccxp")
        for n in range(40):
            user = register_user(name=f"Holder {n}", email=f"holder{n}@example.com", password="holder-password-1")
            services.record_credential(user.id, rule, earned_on=date(2024, 2, 29), credential_number=None,
                                       today=date(2024, 3, 1))
        db.session.commit()
        db.engine.dispose()

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": url, "CXACADEMY_ENV": "development", "SECRET_KEY": "x" * 32,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_SUPPRESS_SEND": "false"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send", "--today", "2026-11-30"]
    try:
        processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        controller.stop()
    assert all(p.returncode == 0 for p in processes), outputs
    assert sorted(received) == sorted(f"holder{n}@example.com" for n in range(40)), outputs
    engine = create_engine(url)
    with engine.connect() as conn:
        emails = conn.execute(select(func.count()).select_from(ReminderLog).where(ReminderLog.key.like("%:email"))).scalar()
        assert emails == 40
        assert conn.execute(text("SELECT count(*) FROM notifications")).scalar() == 40
    engine.dispose()


def test_assignment_reminders_before_the_due_date_and_when_overdue_once_each(rules, runner, make_user, smtp_server):
    from cxacademy.cohorts.models import Assignment, Cohort, CohortMember

    trainer, late, done_already = make_user(role="trainer"), make_user(), make_user()
    cohort = Cohort(name="Team", trainer_id=trainer.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=late.id),
                        CohortMember(cohort_id=cohort.id, user_id=done_already.id)])
    db.session.add(Assignment(cohort_id=cohort.id, kind="mock", blueprint_id="mini", due_on=date(2026, 12, 10)))
    from cxacademy.assessment.models import Attempt
    db.session.add(Attempt(user_id=done_already.id, kind="mock", mode="exam", blueprint="mini", question_count=1,
                           submitted_at=services_now()))
    db.session.commit()
    assert send(runner, "2026-12-06").exit_code == 0        # 4 days before: nothing yet
    assert smtp_server.messages == []
    send(runner, "2026-12-07")                               # 3 days before
    send(runner, "2026-12-07")                               # a second run sends nothing again
    send(runner, "2026-12-11")                               # the day after: overdue
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert [m["To"] for m in smtp_server.messages] == [late.email, late.email]
    assert "is due in 3 days" in subjects[0] and "is overdue" in subjects[1]


def services_now():
    from cxacademy.clock import now_utc

    return now_utc()
