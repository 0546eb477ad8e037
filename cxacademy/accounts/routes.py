"""Account views: register, log in and out, profile, password reset, and admin user management."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..clock import now_utc
from ..extensions import db, limiter
from ..i18n import current_language
from ..security import MAX_ID, safe_next_url
from . import services
from .access import role_required
from .emails import send_password_reset
from .forms import (ChangePasswordForm, ConfirmForm, ExtraTimeForm, LoginForm, ProfileForm, RegistrationForm, ResetPasswordForm,
                    ResetRequestForm, RoleForm, ROLE_LABELS, message_for)
from .models import ROLES, User

bp = Blueprint("accounts", __name__, template_folder="templates")
admin_bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

INVALID = 422  # a form with errors is re-rendered with this status


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.dashboard"))
    form = RegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.register_user(name=form.name.data, email=form.email.data,
                                          password=form.password.data, locale=current_language())
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(message_for(exc))
            return render_template("accounts/register.html", form=form), 409
        db.session.commit()
        login_user(user)
        flash(_("Welcome to CX Academy, %(name)s!", name=user.name), "success")
        return redirect(url_for("catalog.dashboard"))
    if form.is_submitted():
        status = INVALID
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    target = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("catalog.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, now=now_utc())
        if user is not None and not user.active:
            db.session.rollback()
            flash(_("This account has been deactivated. Contact your trainer or administrator."), "error")
            return render_template("accounts/login.html", form=form), 403
        if user is None:
            db.session.rollback()
            form.password.errors.append(_("The email or password is not right."))
            return render_template("accounts/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=form.remember.data)
        return redirect(target or url_for("catalog.dashboard"))
    return render_template("accounts/login.html", form=form), (INVALID if form.is_submitted() else 200)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.landing"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        services.update_profile(current_user, name=form.name.data, locale=form.locale.data,
                                review_retention=form.review_retention.data)
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = INVALID if form.is_submitted() else 200
    return render_template("accounts/profile.html", form=form, password_form=ChangePasswordForm()), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(message_for(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object(), remember=False)  # the new session stamp keeps this session alive
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=ProfileForm(obj=current_user), password_form=form), INVALID


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.user_by_email(services.normalise_email(form.email.data))
        if user is not None and user.active:
            token = services.make_reset_token(user, secret_key=current_app.config["SECRET_KEY"], now=now_utc(),
                                              max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
            try:
                send_password_reset(user, token)
            except OSError:
                current_app.logger.exception("password reset mail to user %s failed", user.id)
        # The same answer whether or not the address is registered.
        flash(_("If an account uses that address, we have sent it a link to reset the password. The link works for one hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), (INVALID if form.is_submitted() else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    secret = current_app.config["SECRET_KEY"]
    try:
        services.user_for_reset_token(token, secret_key=secret, now=now_utc())
    except services.AccountError as exc:
        flash(message_for(exc), "error")
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data, secret_key=secret, now=now_utc())
        db.session.commit()
        logout_user()
        flash(_("Your password has been reset. Log in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), (INVALID if form.is_submitted() else 200)


# Administration of accounts
def _get_user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@admin_bp.get("/users")
@role_required("admin")
def users():
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    number = min(request.args.get("page", 1, type=int), MAX_ID)  # a larger one overflows the OFFSET
    page = db.paginate(services.users_query(search, role), page=number, per_page=25, error_out=False)
    return render_template("accounts/admin_users.html", page=page, search=search, role=role, roles=ROLES,
                           action_form=ConfirmForm())


@admin_bp.get("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int):
    user = _get_user_or_404(user_id)
    return render_template("accounts/admin_user.html", user=user, role_form=RoleForm(role=user.role),
                           action_form=ConfirmForm(), time_form=ExtraTimeForm(extra_time_percent=user.extra_time_percent))


@admin_bp.post("/users/<int:user_id>/extra-time")
@role_required("admin")
def set_extra_time(user_id: int):
    user = _get_user_or_404(user_id)
    form = ExtraTimeForm()
    if form.validate_on_submit():
        services.set_extra_time(user, form.extra_time_percent.data)
        db.session.commit()
        flash(_("Extra exam time for %(name)s: %(percent)d%%.", name=user.name, percent=user.extra_time_percent), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, role_form=RoleForm(role=user.role),
                           action_form=ConfirmForm(), time_form=form), INVALID


@admin_bp.post("/users/<int:user_id>/role")
@role_required("admin")
def change_role(user_id: int):
    user = _get_user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(current_user, user, form.role.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.role.errors.append(message_for(exc))
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, role_form=form, action_form=ConfirmForm(),
                           time_form=ExtraTimeForm(extra_time_percent=user.extra_time_percent)), INVALID


def _set_active(user_id: int, active: bool):
    user = _get_user_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_active(current_user, user, active)
    except services.AccountError as exc:
        db.session.rollback()
        flash(message_for(exc), "error")
        return render_template("accounts/admin_user.html", user=user, role_form=RoleForm(role=user.role),
                               action_form=ConfirmForm(),
                               time_form=ExtraTimeForm(extra_time_percent=user.extra_time_percent)), 409
    db.session.commit()
    flash(_("%(name)s can log in again.", name=user.name) if active
          else _("%(name)s has been deactivated; nothing of theirs was deleted.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@admin_bp.post("/users/<int:user_id>/deactivate")
@role_required("admin")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@admin_bp.post("/users/<int:user_id>/reactivate")
@role_required("admin")
def reactivate(user_id: int):
    return _set_active(user_id, True)
