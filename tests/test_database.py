"""How a request's transaction ends: what a view did not commit is never kept, and on PostgreSQL a
request that only read ends with COMMIT, so psycopg keeps its prepared statements."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from cxacademy.accounts.models import User
from cxacademy.extensions import db


def transaction_ends(app) -> list[str]:
    ends: list[str] = []
    with app.app_context():
        event.listen(db.engine, "commit", lambda conn: ends.append("commit"))
        event.listen(db.engine, "rollback", lambda conn: ends.append("rollback"))
    return ends


def test_a_request_that_only_reads_commits_on_postgresql_and_rolls_back_elsewhere(app_factory, make_user):
    app = app_factory()
    user_id = make_user().id
    app.add_url_rule("/read", "read", lambda: db.session.get(User, user_id).name)
    ends = transaction_ends(app)
    assert app.test_client().get("/read").status_code == 200
    postgresql = db.engine.dialect.name == "postgresql"
    assert ends == (["commit"] if postgresql else ["rollback"])


def _rename_by_statement(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(name="After"))


def _rename_and_flush(user_id: int) -> None:
    db.session.get(User, user_id).name = "After"
    db.session.flush()


@pytest.mark.parametrize("write", [_rename_by_statement, _rename_and_flush], ids=["statement", "flushed change"])
def test_what_a_view_wrote_but_did_not_commit_is_rolled_back(app_factory, make_user, write):
    app = app_factory()
    user_id = make_user(name="Before").id

    def rename():
        write(user_id)
        return "not committed"

    app.add_url_rule("/rename", "rename", rename)
    ends = transaction_ends(app)
    assert app.test_client().get("/rename").status_code == 200
    assert ends == ["rollback"]
    db.session.expire_all()
    assert db.session.scalar(select(User.name).where(User.id == user_id)) == "Before"
