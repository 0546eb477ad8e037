"""Roles and admin user management: who may reach admin pages, and what admins can change."""
from __future__ import annotations

import pytest

from cxacademy.extensions import db

from .conftest import PASSWORD, post_form

ADMIN_GETS = ["/admin/users", "/admin/users/{id}"]
ADMIN_POSTS = ["/admin/users/{id}/role", "/admin/users/{id}/extra-time", "/admin/users/{id}/deactivate", "/admin/users/{id}/reactivate"]


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_non_admins_get_403_on_admin_pages(client, make_user, login_as, role):
    target = make_user()
    login_as(make_user(role=role))
    for url in ADMIN_GETS:
        assert client.get(url.format(id=target.id)).status_code == 403, url
    for url in ADMIN_POSTS:
        assert post_form(client, url.format(id=target.id), {"role": "admin"}).status_code == 403, url
    db.session.refresh(target)
    assert (target.role, target.active) == ("learner", True)


def test_anonymous_is_sent_to_login_from_admin_pages(client, make_user):
    target = make_user()
    for url in ADMIN_GETS:
        response = client.get(url.format(id=target.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_lists_and_searches_users(client, make_user, login_as):
    login_as(make_user(role="admin"))
    make_user(name="Zeynep Kaya", email="zeynep@example.com")
    make_user(name="Otto Meier", email="otto@example.com")
    html = client.get("/admin/users?q=ZEYNEP").get_data(as_text=True)
    assert "zeynep@example.com" in html and "otto@example.com" not in html
    html = client.get("/admin/users?q=example.com&role=learner").get_data(as_text=True)
    assert "zeynep@example.com" in html and "otto@example.com" in html and "admin1@example.com" not in html


def test_admin_changes_a_role(client, make_user, login_as):
    login_as(make_user(role="admin"))
    target = make_user()
    response = post_form(client, f"/admin/users/{target.id}/role", {"role": "trainer"})
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role == "trainer"


def test_admin_cannot_change_own_role(client, make_user, login_as):
    admin = login_as(make_user(role="admin"))
    response = post_form(client, f"/admin/users/{admin.id}/role", {"role": "learner"})
    assert response.status_code == 422 and "You cannot change your own role." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_deactivation_blocks_login_and_keeps_the_account(app, client, make_user, login_as):
    login_as(make_user(role="admin"))
    target = make_user()
    target_client = app.test_client()
    post_form(target_client, "/login", {"email": target.email, "password": PASSWORD})
    assert target_client.get("/dashboard").status_code == 200

    assert post_form(client, f"/admin/users/{target.id}/deactivate", {}).status_code == 302
    db.session.refresh(target)
    assert target.active is False and target.email
    assert target_client.get("/dashboard").status_code == 302  # their open session ends too
    assert post_form(target_client, "/login", {"email": target.email, "password": PASSWORD}).status_code == 403

    assert post_form(client, f"/admin/users/{target.id}/reactivate", {}).status_code == 302
    assert post_form(target_client, "/login", {"email": target.email, "password": PASSWORD}).status_code == 302


def test_admin_cannot_deactivate_self(client, make_user, login_as):
    admin = login_as(make_user(role="admin"))
    response = post_form(client, f"/admin/users/{admin.id}/deactivate", {})
    assert response.status_code == 409
    db.session.refresh(admin)
    assert admin.active


def test_admin_action_without_csrf_is_refused(client, make_user, login_as):
    login_as(make_user(role="admin"))
    target = make_user()
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 400
    db.session.refresh(target)
    assert target.active


def test_unknown_user_id_is_404(client, make_user, login_as):
    login_as(make_user(role="admin"))
    assert client.get("/admin/users/999999").status_code == 404


def test_admin_sets_extra_exam_time_and_it_lengthens_new_mock_exams(client, make_user, login_as):
    login_as(make_user(role="admin"))
    target = make_user()
    assert post_form(client, f"/admin/users/{target.id}/extra-time", {"extra_time_percent": "25"}).status_code == 302
    db.session.refresh(target)
    assert target.extra_time_percent == 25
    from datetime import timedelta

    from cxacademy.assessment.services import exam_deadline
    from cxacademy.clock import now_utc
    start = now_utc()
    assert exam_deadline(start, 180, target.extra_time_percent) == start + timedelta(minutes=225)


def test_extra_time_out_of_range_is_refused_at_the_field(client, make_user, login_as):
    login_as(make_user(role="admin"))
    target = make_user()
    response = post_form(client, f"/admin/users/{target.id}/extra-time", {"extra_time_percent": "500"})
    assert response.status_code == 422 and "Enter a whole number from 0 to 200." in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.extra_time_percent == 0


def test_learner_cannot_set_extra_time(client, make_user, login_as):
    target = make_user()
    login_as(make_user())
    assert post_form(client, f"/admin/users/{target.id}/extra-time", {"extra_time_percent": "50"}).status_code == 403
