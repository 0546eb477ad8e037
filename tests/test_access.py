"""Every route of the application, for every role: a new route without an access rule fails here."""
from __future__ import annotations

import pytest

from .conftest import PASSWORD, post_form

# The least role that may use each endpoint: public, login (any signed-in user), trainer, admin.
ACCESS = {
    "static": "public", "core.landing": "public", "core.set_language": "public", "core.healthz": "public",
    "accounts.register": "public", "accounts.login": "public", "accounts.forgot_password": "public",
    "accounts.reset_password": "public", "credentials.verify": "public",
    "accounts.logout": "login", "accounts.profile": "login", "accounts.change_password": "login",
    "catalog.dashboard": "login", "catalog.catalogue": "login", "catalog.module": "login", "catalog.lesson": "login",
    "catalog.complete": "login", "catalog.glossary": "login",
    "tools.metrics_lab": "login", "tools.calculator_page": "login", "tools.calculate": "login", "tools.five_d_assessment": "login",
    "tools.five_d_result": "login",
    "assessment.hub": "login", "assessment.start_mock": "login", "assessment.start_practice": "login",
    "assessment.start_review": "login", "assessment.start_lesson_quiz": "login",
    "assessment.start_module_quiz": "login", "assessment.attempt": "login", "assessment.answer": "login",
    "assessment.finish": "login", "assessment.submit": "login", "assessment.report": "login",
    "credentials.index": "login", "credentials.add_credential": "login", "credentials.preferences": "login",
    "credentials.credential": "login", "credentials.add_activity": "login", "credentials.renew": "login",
    "credentials.calendar": "login", "credentials.evidence": "login", "credentials.certificate_download": "login",
    "credentials.notifications": "login", "credentials.notifications_read": "login",
    "credentials.revoke": "trainer", "credentials.expiring": "trainer",
    "cohorts.cohorts": "trainer", "cohorts.cohort": "trainer", "cohorts.add_members": "trainer",
    "cohorts.add_assignment": "trainer", "cohorts.extra_time": "trainer", "cohorts.report": "trainer",
    "cohorts.items": "trainer",
    "authoring.lessons": "trainer", "authoring.lesson_new": "trainer", "authoring.preview": "trainer", "authoring.module_edit": "trainer", "authoring.edit": "trainer", "authoring.save": "trainer",
    "authoring.question_list": "trainer", "authoring.question_new": "trainer", "authoring.question_edit": "trainer",
    "authoring.lesson_history": "trainer", "authoring.export": "trainer",
    "authoring.question_import": "trainer", "authoring.question_import_preview": "trainer",
    "authoring.question_export": "trainer", "authoring.revision": "trainer", "authoring.restore": "trainer",
    "admin.users": "admin", "admin.user_detail": "admin", "admin.change_role": "admin",
    "admin.set_extra_time": "admin", "admin.deactivate": "admin", "admin.reactivate": "admin",
}
RANK = {"public": 0, "login": 1, "trainer": 2, "admin": 3}


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"routes without an access rule in tests/test_access.py: {missing}"
    assert not sorted(ACCESS.keys() - endpoints), "rules for routes that no longer exist"


def _url(rule, values):
    url = rule.rule
    for argument in rule.arguments:
        for converter in ("int:", "path:", ""):
            url = url.replace(f"<{converter}{argument}>", str(values.get(argument, 1)))
    return url


@pytest.fixture
def clients(app, make_user):
    made = {}
    for role in ("learner", "trainer", "admin"):
        user = make_user(role=role)
        client = app.test_client()
        assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        made[role] = client
    made["anonymous"] = app.test_client()
    return made


@pytest.mark.parametrize("who", ["anonymous", "learner", "trainer", "admin"])
def test_every_get_route_answers_as_its_rule_says(app, clients, who):
    client = clients[who]
    rank = {"anonymous": 0, "learner": 1, "trainer": 2, "admin": 3}[who]
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        need = RANK[ACCESS[rule.endpoint]]
        response = client.get(_url(rule, {"filename": "css/app.css"}))
        status = response.status_code
        response.close()
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], rule.rule
        assert response.headers["X-Content-Type-Options"] == "nosniff", rule.rule
        if rank >= need:
            assert status not in (401, 403) and not (status == 302 and "/login" in response.headers.get("Location", "")), \
                f"{who} refused at {rule.rule} ({status})"
        elif who == "anonymous":
            assert status == 302 and "/login" in response.headers["Location"], f"{rule.rule} let anonymous in ({status})"
        else:
            assert status == 403, f"{who} reached {rule.rule} ({status})"
        checked += 1
    assert checked > 25


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_trainer_and_admin_post_routes_refuse_lower_roles(app, clients, who):
    client = clients[who]
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or RANK[ACCESS[rule.endpoint]] < RANK["trainer"]:
            continue
        response = post_form(client, _url(rule, {}), {})
        expected = 403 if who == "learner" else 302
        assert response.status_code == expected, f"{who} POST {rule.rule}: {response.status_code}"
