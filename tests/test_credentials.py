"""Credentials: validity arithmetic, CCXP cycles and credits, evidence, certificates and verification."""
from __future__ import annotations

import gc
import io
import random
import re
import shutil
from pathlib import Path
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cxacademy.assessment import services as assessment
from cxacademy.catalog import services as catalog
from cxacademy.catalog.models import Lesson, Module
from cxacademy.clock import now_utc
from cxacademy.credentials import services
from cxacademy.credentials.dates import add_months
from cxacademy.credentials.models import Certificate, CreditActivity, CredentialRule, ExternalCredential
from cxacademy.extensions import db

from .conftest import PASSWORD, post_form
from .course_files import course_with_questions, small_course

TODAY = date(2026, 11, 23)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


SHIPPED_RULES = Path(__file__).resolve().parent.parent / "content" / "credential_rules.yaml"


@pytest.fixture
def rules(runner, tmp_path):
    root = small_course(tmp_path / "rules-content")
    shutil.copy(SHIPPED_RULES, root / "credential_rules.yaml")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    return {r.id: r for r in db.session.scalars(select(CredentialRule))}


def add_to_cohort_of(trainer, *learners):
    from cxacademy.cohorts.models import Cohort, CohortMember

    cohort = Cohort(name="Cohort", trainer_id=trainer.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all(CohortMember(cohort_id=cohort.id, user_id=learner.id) for learner in learners)
    db.session.commit()


# Calendar arithmetic
@pytest.mark.parametrize("start,months,expected", [
    (date(2024, 2, 29), 36, date(2027, 2, 28)),   # leap day, three years on: no 29 February
    (date(2024, 2, 29), 48, date(2028, 2, 29)),   # four years on: a leap year again
    (date(2025, 1, 31), 1, date(2025, 2, 28)),    # month end clamps
    (date(2023, 8, 31), 24, date(2025, 8, 31)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),   # year boundary
])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_ccxp_is_valid_three_years_from_the_date_earned(rules, make_user):
    credential = services.record_credential(make_user().id, rules["ccxp"], earned_on=date(2024, 2, 29),
                                            credential_number="X1", today=TODAY)
    assert credential.expires_on == date(2027, 2, 28) and credential.cycle_started_on == date(2024, 2, 29)


def test_superseded_rule_is_valid_two_years(rules, make_user):
    credential = services.record_credential(make_user().id, rules["ccxp-2020"], earned_on=date(2025, 1, 31),
                                            credential_number=None, today=TODAY)
    assert credential.expires_on == date(2027, 1, 31)


@pytest.mark.parametrize("today,status", [
    (date(2026, 2, 27), "valid"),
    (date(2026, 2, 28), "renewal_open"),      # 365 days before 2027-02-28
    (date(2026, 11, 30), "expiring"),         # within 90 days
    (date(2027, 2, 28), "expiring"),          # the last day still counts as valid
    (date(2027, 3, 1), "expired"),
])
def test_credential_status_by_date(rules, make_user, today, status):
    credential = services.record_credential(make_user().id, rules["ccxp"], earned_on=date(2024, 2, 29),
                                            credential_number=None, today=date(2024, 3, 1))
    assert services.credential_status(credential, rules["ccxp"], today) == status


def test_renewal_starts_the_next_cycle_from_the_previous_expiry(rules, make_user):
    credential = services.record_credential(make_user().id, rules["ccxp"], earned_on=date(2023, 5, 10),
                                            credential_number=None, today=TODAY)
    renewal = services.record_renewal(credential, rules["ccxp"], renewed_on=date(2026, 1, 5), today=TODAY)
    assert (renewal.previous_expiry, renewal.new_expiry) == (date(2026, 5, 10), date(2029, 5, 10))
    assert credential.cycle == 2 and credential.cycle_started_on == date(2026, 5, 10)


def test_renewal_before_the_window_opens_is_refused(rules, make_user):
    credential = services.record_credential(make_user().id, rules["ccxp"], earned_on=date(2025, 1, 10),
                                            credential_number=None, today=TODAY)
    with pytest.raises(services.CredentialError) as error:
        services.record_renewal(credential, rules["ccxp"], renewed_on=date(2026, 1, 1), today=TODAY)
    assert error.value.code == "renewal_too_early"


@pytest.mark.parametrize("earned,field_message", [
    ((TODAY + timedelta(days=1)).isoformat(), "cannot be in the future"),
    ("2010-06-01", "did not exist yet"),
])
def test_earned_date_in_future_or_before_ccxp_existed_is_refused_at_the_field(rules, client, make_user, login_as,
                                                                               earned, field_message):
    login_as(make_user())
    response = post_form(client, "/credentials", {"rule": "ccxp", "earned_on": earned})
    assert response.status_code == 422 and field_message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExternalCredential)) == 0


# Credits
@pytest.mark.parametrize("raw,code", [("-1", "credits_not_positive"), ("0", "credits_not_positive"),
                                      ("0.3", "credits_not_quarter"), ("abc", "credits_not_number")])
def test_bad_credit_amounts_are_refused(raw, code):
    with pytest.raises(services.CredentialError) as error:
        services.parse_credits(raw)
    assert error.value.code == code


def test_quarter_credits_are_exact():
    assert services.parse_credits("1,25") == 5 and services.parse_credits("0.75") == 3


def test_only_activities_in_the_current_cycle_count(rules, make_user):
    rule = rules["ccxp"]
    credential = services.record_credential(make_user().id, rule, earned_on=date(2024, 1, 1), credential_number=None,
                                            today=TODAY)
    add = lambda on, credits, category: services.add_activity(credential, rule, activity_on=on, title="Course",
                                                              provider="P", credits=credits, category=category,
                                                              today=TODAY)
    add(date(2023, 12, 31), "10", "realtime")   # before the cycle: does not count
    add(date(2024, 3, 1), "12.5", "realtime")
    add(date(2025, 3, 1), "4.25", "other")
    total, realtime = services.credit_progress(credential, rule)
    assert (total.have, total.need, realtime.have, realtime.need) == (16.75, 30, 12.5, 15)
    assert not total.met and not realtime.met


def test_superseded_rule_counts_categories(rules, make_user):
    rule = rules["ccxp-2020"]
    credential = services.record_credential(make_user().id, rule, earned_on=date(2025, 1, 1), credential_number=None,
                                            today=TODAY)
    for category in ("webinar", "webinar", "podcast"):
        services.add_activity(credential, rule, activity_on=date(2025, 6, 1), title="A", provider="P", credits="2",
                              category=category, today=TODAY)
    total, categories = services.credit_progress(credential, rule)
    assert total.have == 6 and categories.have == 2 and categories.met


def test_credential_page_says_what_is_missing_and_by_when(rules, client, make_user, login_as):
    user = login_as(make_user())
    credential = services.record_credential(user.id, rules["ccxp"], earned_on=date(2025, 3, 1), credential_number=None,
                                            today=TODAY)
    services.add_activity(credential, rules["ccxp"], activity_on=date(2025, 4, 1), title="Webinar", provider="CXPA",
                          credits="5", category="realtime", today=TODAY)
    db.session.commit()
    html = client.get(f"/credentials/ccxp/{credential.id}").get_data(as_text=True)
    assert "You still need 25 credits" in html and "of which 10 more from real-time education" in html
    assert "by Mar 1, 2028." in html


def _activity_form(**overrides):
    data = {"activity_on": "2026-01-10", "title": "Webinar", "provider": "CXPA", "credits": "1.5", "category": "realtime"}
    data.update(overrides)
    return data


@pytest.fixture
def own_credential(rules, client, make_user, login_as, app, tmp_path):
    app.config["EVIDENCE_FOLDER"] = str(tmp_path / "evidence")
    user = login_as(make_user())
    credential = services.record_credential(user.id, rules["ccxp"], earned_on=date(2025, 3, 1), credential_number=None,
                                            today=TODAY)
    db.session.commit()
    return credential


def test_evidence_pdf_is_stored_outside_static_and_served_to_its_owner(app, client, own_credential, tmp_path):
    response = post_form(client, f"/credentials/ccxp/{own_credential.id}/activities",
                         _activity_form(evidence=(io.BytesIO(PDF), "certificate.pdf")),
                         content_type="multipart/form-data")
    assert response.status_code == 302
    activity = db.session.scalar(select(CreditActivity))
    assert (tmp_path / "evidence" / activity.evidence_file).read_bytes() == PDF
    download = client.get(f"/credentials/evidence/{activity.id}")
    body = download.data
    download.close()
    assert download.status_code == 200 and body == PDF and download.mimetype == "application/pdf"


def test_evidence_of_another_learner_is_404(app, client, own_credential, make_user):
    post_form(client, f"/credentials/ccxp/{own_credential.id}/activities",
              _activity_form(evidence=(io.BytesIO(PNG), "slide.png")), content_type="multipart/form-data")
    activity = db.session.scalar(select(CreditActivity))
    intruder = make_user()
    other = app.test_client()
    post_form(other, "/login", {"email": intruder.email, "password": PASSWORD})
    assert other.get(f"/credentials/evidence/{activity.id}").status_code == 404
    assert other.get(f"/credentials/ccxp/{own_credential.id}").status_code == 404


# Werkzeug's test client spools a large request body to a temporary file it never closes; collect
# it inside this test so the warning about it stays here (it is the test client's, not the app's).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("content,name,message", [
    (b"#!/bin/sh\nrm -rf /\n", "evidence.pdf", "checked by their content"),       # a script renamed .pdf
    (b"GIF89a" + b"\x00" * 20, "photo.gif", "checked by their content"),
    (PDF + b"\x00" * (5 * 1024 * 1024), "big.pdf", "larger than 5 MB"),
])
def test_bad_evidence_is_refused_and_nothing_is_saved(client, own_credential, tmp_path, content, name, message):
    response = post_form(client, f"/credentials/ccxp/{own_credential.id}/activities",
                         _activity_form(evidence=(io.BytesIO(content), name)), content_type="multipart/form-data")
    status, html = response.status_code, response.get_data(as_text=True)
    response.close()
    del response
    gc.collect()
    assert status == 422 and message in html
    assert db.session.scalar(select(func.count()).select_from(CreditActivity)) == 0
    assert not (tmp_path / "evidence").exists() or not any((tmp_path / "evidence").iterdir())


def test_credits_not_in_quarter_steps_are_refused_at_the_field(client, own_credential):
    response = post_form(client, f"/credentials/ccxp/{own_credential.id}/activities", _activity_form(credits="1.3"))
    assert response.status_code == 422 and "steps of 0.25" in response.get_data(as_text=True)


def test_calendar_file_has_the_expiry_and_reminder_dates(client, own_credential):
    response = client.get(f"/credentials/ccxp/{own_credential.id}/calendar.ics")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    opens = date(2028, 3, 1) - timedelta(days=365)  # the renewal window opens 365 days before expiry
    assert "DTSTART;VALUE=DATE:20280301" in body and f"DTSTART;VALUE=DATE:{opens:%Y%m%d}" in body


# Certificates
@pytest.fixture
def finished_learner(runner, tmp_path, make_user):
    root = course_with_questions(tmp_path / "content")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    db.session.get(Module, "mod-1").certificate_validity_months = 12
    user = make_user(name="Şule Güneş")
    now = now_utc()
    for lesson in db.session.scalars(select(Lesson)):
        catalog.complete_lesson(user.id, lesson, now=now)
    attempt = assessment.start_module_quiz(user, db.session.get(Module, "mod-1"), "exam", now=now, rng=random.Random(1))
    from cxacademy.assessment.models import AttemptItem, QuestionVersion
    for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)):
        assessment.save_answer(attempt, item.position, db.session.get(QuestionVersion, item.question_version_id).correct, now=now)
    assessment.submit(attempt, now=now)
    db.session.commit()
    return user


def test_completing_a_module_issues_its_certificate_and_the_programme_once(finished_learner):
    issued = services.issue_due_certificates(finished_learner.id, now=now_utc())
    assert sorted(c.kind for c in issued) == ["module", "programme"]
    assert issued[0].expires_on == add_months(now_utc().date(), 12)
    assert services.issue_due_certificates(finished_learner.id, now=now_utc()) == []


def test_no_certificate_without_the_module_quiz(runner, tmp_path, make_user):
    root = course_with_questions(tmp_path / "content")
    runner.invoke(args=["content", "import", str(root)])
    user = make_user()
    for lesson in db.session.scalars(select(Lesson)):
        catalog.complete_lesson(user.id, lesson, now=now_utc())
    assert services.issue_due_certificates(user.id, now=now_utc()) == []


def test_certificate_pdf_contains_the_name_and_code(app, client, finished_learner):
    certificate = services.issue_due_certificates(finished_learner.id, now=now_utc())[0]
    db.session.commit()
    post_form(client, "/login", {"email": finished_learner.email, "password": PASSWORD})
    response = client.get(f"/credentials/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Şule Güneş" in text and certificate.code in text and f"/verify/{certificate.code}" in text


def test_verify_page_says_valid_expired_or_revoked_without_login(app, client, finished_learner, make_user):
    certificate = services.issue_due_certificates(finished_learner.id, now=now_utc())[0]
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Valid" in html and "Şule Güneş" in html
    certificate.expires_on = now_utc().date() - timedelta(days=1)
    db.session.commit()
    assert "Expired" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    trainer = make_user(role="trainer")
    services.revoke_certificate(certificate, by_user_id=trainer.id, reason="Issued in error", now=now_utc())
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in html and "Issued in error" in html


def test_unknown_verification_code_is_404_with_no_hint(client, finished_learner):
    certificate = services.issue_due_certificates(finished_learner.id, now=now_utc())[0]
    db.session.commit()
    other = "y" if certificate.code.endswith("x") else "x"  # a code one letter off, never the real one
    response = client.get(f"/verify/{certificate.code[:-1]}{other}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "No CX Academy certificate has this verification code" in html
    assert certificate.code not in html and "Şule" not in html


def test_trainer_revokes_with_a_reason_and_learner_cannot(app, client, finished_learner, make_user, login_as):
    certificate = services.issue_due_certificates(finished_learner.id, now=now_utc())[0]
    db.session.commit()
    login_as(make_user())
    assert post_form(client, f"/certificates/{certificate.id}/revoke", {f"certificate-{certificate.id}-reason": "x"}).status_code == 403
    trainer_client = app.test_client()
    trainer, stranger_trainer = make_user(role="trainer"), make_user(role="trainer")
    add_to_cohort_of(trainer, finished_learner)
    stranger = app.test_client()
    post_form(stranger, "/login", {"email": stranger_trainer.email, "password": PASSWORD})
    assert post_form(stranger, f"/certificates/{certificate.id}/revoke", {f"certificate-{certificate.id}-reason": "x"}).status_code == 404
    post_form(trainer_client, "/login", {"email": trainer.email, "password": PASSWORD})
    assert post_form(trainer_client, f"/certificates/{certificate.id}/revoke",
                     {f"certificate-{certificate.id}-reason": "Wrong person"}).status_code == 302
    db.session.refresh(certificate)
    assert certificate.revoked_reason == "Wrong person"


def test_expiring_page_gives_each_revoke_form_its_own_field_ids_and_names_modules_by_title(
        app, client, finished_learner, make_user, login_as):
    certificates = services.issue_due_certificates(finished_learner.id, now=now_utc())
    db.session.commit()
    assert len(certificates) >= 2
    trainer = make_user(role="trainer")
    add_to_cohort_of(trainer, finished_learner)
    login_as(trainer)
    html = client.get("/trainer/expiring").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    module_certificate = next(c for c in certificates if c.module_id)
    module = db.session.get(Module, module_certificate.module_id)
    assert f"{module_certificate.code} · {module.title('en')}" in html


def test_trainer_csv_of_expiring_items_opens_in_excel_with_turkish_letters(client, make_user, login_as, rules):
    today = now_utc().date()
    soon, later = make_user(name="Çağla Işık"), make_user(name="Later Person")
    services.record_credential(soon.id, rules["ccxp"], earned_on=add_months(today, -36) + timedelta(days=30),
                               credential_number=None, today=today)
    services.record_credential(later.id, rules["ccxp"], earned_on=add_months(today, -36) + timedelta(days=120),
                               credential_number=None, today=today)
    trainer = make_user(role="trainer")
    add_to_cohort_of(trainer, soon, later)
    db.session.commit()
    login_as(trainer)
    response = client.get("/trainer/expiring?format=csv")
    body = response.data.decode("utf-8")
    assert response.mimetype == "text/csv" and body.startswith("\ufeff")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once, not twice
    assert "Çağla Işık" in body and "Later Person" not in body
    assert next(line for line in body.splitlines() if "Çağla" in line).split(",")[2] == "CCXP"


def test_learner_gets_403_from_the_trainer_list(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/trainer/expiring").status_code == 403
