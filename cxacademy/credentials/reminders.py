"""Expiry reminders for CCXP credentials and expiring certificates, sent once per key.

A reminder is identified by (what, id, cycle, window, channel). Before sending, a run claims the
key by inserting it into reminder_log (unique), committed at once: a second run, or a second
server running at the same moment, finds the key taken and sends nothing. A failed email gives
its claim back, so the next run retries it while the others still go out.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime, timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message
from icalendar import Alarm, Calendar, Event
from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import User
from ..extensions import db, mail
from .models import Certificate, CredentialRule, ExternalCredential, Notification, ReminderLog

# How long after its date a window's reminder may still go out (a missed cron run catches up).
LAST_WINDOW_BAND_DAYS = 30


@dataclass(frozen=True)
class Window:
    name: str  # "open", "d180", ..., "d0", "after30"
    days: int  # days before expiry (negative: after)


def configured_windows() -> list[int]:
    return sorted((int(d) for d in current_app.config["REMINDER_DAYS"]), reverse=True)


def windows_for(renewal_window_days: int | None) -> list[Window]:
    windows = [Window("open", renewal_window_days)] if renewal_window_days else []
    for days in configured_windows():
        if renewal_window_days and days >= renewal_window_days:
            continue
        windows.append(Window(f"d{days}" if days >= 0 else f"after{-days}", days))
    return sorted(windows, key=lambda w: w.days, reverse=True)


@dataclass(frozen=True)
class Reminder:
    subject_kind: str  # "ccxp" or "certificate"
    subject_id: int
    user_id: int
    cycle: int
    window: Window
    expires_on: date
    label: str

    def key(self, channel: str) -> str:
        if self.subject_kind == "assignment":  # one assignment, many learners: the learner is part of the key
            return f"assignment:{self.subject_id}:u{self.user_id}:{self.window.name}:{channel}"
        return f"{self.subject_kind}:{self.subject_id}:c{self.cycle}:{self.window.name}:{channel}"


def _bands(windows: list[Window], today: date):
    """For each window, the expiry dates whose latest passed window is this one: (window, low, high]."""
    for index, window in enumerate(windows):
        high = today + timedelta(days=window.days)
        following = windows[index + 1].days if index + 1 < len(windows) else window.days - LAST_WINDOW_BAND_DAYS
        low = today + timedelta(days=following)
        yield window, low, high


def due_reminders(today: date) -> list[Reminder]:
    """Every reminder due today, found by date-range queries on expires_on (indexed): a fixed number
    of statements per rule and window, never a scan of every credential in Python."""
    due: list[Reminder] = []
    for rule in db.session.scalars(select(CredentialRule)):
        for window, low, high in _bands(windows_for(rule.renewal_window_days), today):
            rows = db.session.execute(
                select(ExternalCredential.id, ExternalCredential.user_id, ExternalCredential.cycle,
                       ExternalCredential.expires_on)
                .join(User, User.id == ExternalCredential.user_id)
                .where(ExternalCredential.rule_id == rule.id, User.active.is_(True),
                       ExternalCredential.expires_on > low, ExternalCredential.expires_on <= high)).all()
            due.extend(Reminder("ccxp", r.id, r.user_id, r.cycle, window, r.expires_on, rule.id) for r in rows)
    for window, low, high in _bands(windows_for(None), today):
        rows = db.session.execute(
            select(Certificate.id, Certificate.user_id, Certificate.expires_on, Certificate.module_id)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.revoked_at.is_(None), User.active.is_(True), Certificate.expires_on.is_not(None),
                   Certificate.expires_on > low, Certificate.expires_on <= high)).all()
        due.extend(Reminder("certificate", r.id, r.user_id, 1, window, r.expires_on, r.module_id or "programme")
                   for r in rows)
    due.extend(_assignment_reminders(today))
    return due


# Assignments: three days before the due date, on the day, and the day after (overdue).
ASSIGNMENT_WINDOWS = [Window("d3", 3), Window("d0", 0), Window("after1", -1)]


def _assignment_reminders(today: date) -> list[Reminder]:
    """Learners who have not yet done an assignment whose due date falls in a reminder window."""
    from ..cohorts.models import Assignment, Cohort
    from ..cohorts.services import assignment_status

    due: list[Reminder] = []
    bands = list(_bands(ASSIGNMENT_WINDOWS, today))
    low, high = min(b[1] for b in bands), max(b[2] for b in bands)
    cohorts = db.session.scalars(select(Cohort).where(Cohort.id.in_(
        select(Assignment.cohort_id).where(Assignment.due_on > low, Assignment.due_on <= high)))).all()
    for cohort in cohorts:
        for row, done, _overdue in assignment_status(cohort, today=today):
            if done:
                continue
            for window, band_low, band_high in bands:
                if band_low < row.due_on <= band_high:
                    due.append(Reminder("assignment", row.id, row.user_id, 1, window, row.due_on,
                                        row.module_id or row.blueprint_id))
    return due


def _already_sent(keys: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(keys), 500):
        sent.update(db.session.scalars(select(ReminderLog.key).where(ReminderLog.key.in_(keys[start:start + 500]))))
    return sent


# Claims are written (and committed) a batch at a time: one round trip per batch, not per reminder.
CLAIM_BATCH = 500


def _claim_batch(keys: list[tuple[str, int]], now: datetime) -> set[str]:
    """Record the keys as sent; returns those this run got (a concurrent run gets the others)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(ReminderLog).values([{"key": key, "user_id": user_id, "sent_at": now} for key, user_id in keys])
                 .on_conflict_do_nothing(index_elements=["key"]).returning(ReminderLog.key))
    claimed = set(db.session.execute(statement).scalars())
    db.session.commit()
    return claimed


def _release(keys: list[str]) -> None:
    db.session.execute(ReminderLog.__table__.delete().where(ReminderLog.key.in_(keys)))
    db.session.commit()


def calendar_file(expires_on: date, reminder_dates: list[date], title: str, link: str) -> bytes:
    """An .ics with the expiry as an all-day event and one all-day event per reminder date."""
    cal = Calendar()
    cal.add("prodid", "-//CX Academy//Credential reminders//EN")
    cal.add("version", "2.0")
    reminder_title = _("%(title)s (reminder)", title=title)
    for day, summary in [(expires_on, title)] + [(d, reminder_title) for d in reminder_dates]:
        event = Event()
        event.add("uid", f"{summary}-{day.isoformat()}@cxacademy")
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", link)
        if day == expires_on:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", timedelta(days=-7))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


@lru_cache(maxsize=256)
def _cached_calendar(expires_on: date, renewal_window_days: int | None, title: str, link: str) -> bytes:
    """Reminder runs send thousands of emails for a handful of expiry dates: build each calendar once.
    The calendar links to the credentials page; the email itself links to the credential."""
    return calendar_file(expires_on, reminder_dates(expires_on, renewal_window_days), title, link)


def reminder_dates(expires_on: date, renewal_window_days: int | None) -> list[date]:
    return [expires_on - timedelta(days=w.days) for w in windows_for(renewal_window_days)]


def _subject_titles() -> dict[str, dict]:
    """Titles per language of every module and exam blueprint, read once per run: a reminder names
    what it is about in the learner's language, not by its id."""
    from ..assessment.models import ExamBlueprint
    from ..catalog.models import Module

    titles = {row.id: row.titles for row in db.session.execute(select(ExamBlueprint.id, ExamBlueprint.titles))}
    titles.update({row.id: row.titles for row in db.session.execute(select(Module.id, Module.titles))})
    return titles


def _subject_title(label: str, titles: dict[str, dict], language: str) -> str:
    if label == "programme":
        return _("the CX Academy programme")
    texts = titles.get(label)
    return (texts.get(language) or texts.get("en") or label) if texts else label


def _texts(reminder: Reminder, user: User, today: date, titles: dict[str, dict] | None = None) -> tuple[str, str, str]:
    if reminder.subject_kind != "ccxp":
        reminder = replace(reminder, label=_subject_title(reminder.label, titles or {}, user.locale))
    if reminder.subject_kind == "assignment":
        link = url_for("catalog.dashboard", _external=True)
        days = (reminder.expires_on - today).days
        if days > 0:
            title = _("Your assignment (%(what)s) is due in %(days)d days", what=reminder.label, days=days)
        elif days == 0:
            title = _("Your assignment (%(what)s) is due today", what=reminder.label)
        else:
            title = _("Your assignment (%(what)s) is overdue", what=reminder.label)
        body = render_template("credentials/email/assignment.txt", user=user, title=title, link=link,
                               due_on=reminder.expires_on)
        return title, body, link
    if reminder.subject_kind == "ccxp":
        link = url_for("credentials.credential", credential_id=reminder.subject_id, _external=True)
        what = _("your CCXP credential")
    else:
        link = url_for("credentials.index", _external=True)
        what = _("your certificate (%(what)s)", what=reminder.label)
    days = (reminder.expires_on - today).days
    if reminder.window.name == "open":
        title = _("The renewal window for %(what)s is open", what=what)
    elif days > 0:
        title = _("%(what)s expires in %(days)d days", what=what, days=days)
    elif days == 0:
        title = _("%(what)s expires today", what=what)
    else:
        title = _("%(what)s expired %(days)d days ago", what=what, days=-days)
    title = title[:1].upper() + title[1:]
    body = render_template("credentials/email/reminder.txt", user=user, title=title, link=link,
                           expires_on=reminder.expires_on)
    return title, body, link


@dataclass
class RunReport:
    due: int = 0
    sent_email: int = 0
    sent_app: int = 0
    skipped: int = 0
    failed: list[str] | None = None


def send_reminders(*, today: date, now: datetime, dry_run: bool = False, echo=print) -> RunReport:
    report = RunReport(failed=[])
    reminders = due_reminders(today)
    report.due = len(reminders)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in reminders})))} \
        if reminders else {}
    rules = {r.id: r for r in db.session.scalars(select(CredentialRule))}
    titles = _subject_titles() if reminders else {}
    wanted = []
    for reminder in reminders:
        user = users[reminder.user_id]
        channels = ["app"]
        wants_email = {"ccxp": user.email_ccxp_reminders, "certificate": user.email_certificate_reminders,
                       "assignment": user.email_assignment_reminders}[reminder.subject_kind]
        if wants_email:
            channels.append("email")
        wanted.extend((reminder, channel) for channel in channels)
    sent = _already_sent([r.key(c) for r, c in wanted])
    todo = [(r, c) for r, c in wanted if r.key(c) not in sent]
    report.skipped = len(wanted) - len(todo)
    if dry_run:
        for reminder, channel in todo:
            echo(f"would send {channel:<5} {reminder.key(channel)} to {users[reminder.user_id].email} "
                 f"(expires {reminder.expires_on.isoformat()})")
        db.session.rollback()
        return report
    connection = None
    link_base = url_for("credentials.index", _external=True)
    try:
        for batch_start in range(0, len(todo), CLAIM_BATCH):
            batch = todo[batch_start:batch_start + CLAIM_BATCH]
            claimed = _claim_batch([(r.key(c), r.user_id) for r, c in batch], now)
            emails = []
            for reminder, channel in batch:
                if reminder.key(channel) not in claimed:
                    report.skipped += 1  # another server took it a moment ago
                    continue
                user = users[reminder.user_id]
                with force_locale(user.locale):
                    title, body, link = _texts(reminder, user, today, titles)
                    if channel == "app":
                        db.session.add(Notification(user_id=user.id, title=title, body=body, link=link,
                                                    created_at=now))
                        report.sent_app += 1
                        continue
                    message = Message(subject=title, recipients=[user.email], body=body)
                    if reminder.subject_kind != "assignment":
                        rule = rules.get(reminder.label)
                        ics = _cached_calendar(reminder.expires_on, rule.renewal_window_days if rule else None,
                                               title, link_base)
                        message.attach("expiry.ics", "text/calendar; charset=utf-8", ics)
                emails.append((reminder.key(channel), user.email, message))
            db.session.commit()  # the batch's notifications, with their claims already recorded
            failed_keys = []
            for key, address, message in emails:
                try:
                    if connection is None:
                        connection = mail.connect().__enter__()
                    connection.send(message)
                    report.sent_email += 1
                except Exception as error:  # SMTP down, refused, timed out: give the claim back, go on
                    failed_keys.append(key)
                    report.failed.append(f"{key} to {address}: {error}")
                    _close(connection)
                    connection = None
            if failed_keys:
                _release(failed_keys)
    finally:
        _close(connection)
    return report


def _close(connection) -> None:
    if connection is None:
        return
    try:
        connection.__exit__(None, None, None)
    except Exception:  # a connection that already failed may not close cleanly; nothing to save
        if getattr(connection, "host", None) is not None:
            connection.host.close()
