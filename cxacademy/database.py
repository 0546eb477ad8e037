"""How a request's database transaction ends when the request wrote nothing (PostgreSQL)."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from .extensions import db


def _transaction_ends(session, transaction) -> None:
    if transaction.parent is None:  # the session's own transaction, not a savepoint inside it
        session.info["wrote"] = False


def _statement_runs(state) -> None:
    if not state.is_select:  # INSERT, UPDATE, DELETE, or raw SQL that might be any of them
        state.session.info["wrote"] = True


def _changes_flushed(session, flush_context) -> None:
    session.info["wrote"] = True


def end_read_only_transaction(error: BaseException | None) -> None:
    """Commit, rather than roll back, a transaction in which nothing was written.

    psycopg forgets its prepared statements whenever it sees a ROLLBACK, and a request that only
    reads ended with one (when the session closed), so PostgreSQL planned every statement afresh on
    every request: on the dashboard that was 2 ms of its time per page, twice what running the
    statements cost. A transaction that wrote nothing ends the same with COMMIT, and psycopg keeps
    its prepared statements. The session notes every statement that is not a SELECT and every
    flush; when in doubt (an error, pending changes, anything written) the transaction rolls back.
    """
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if (session.in_transaction() and not session.info.get("wrote", False)
            and not (session.new or session.dirty or session.deleted)
            and session.get_bind().dialect.name == "postgresql"):
        session.commit()


def register(app: Flask) -> None:
    # A statement is noted before the session begins its transaction for it: the note is cleared when
    # a transaction ends, not when one begins.
    for name, listener in (("after_transaction_end", _transaction_ends), ("do_orm_execute", _statement_runs),
                           ("after_flush", _changes_flushed)):
        if not event.contains(db.session, name, listener):  # one session registry, many apps in tests
            event.listen(db.session, name, listener)
    app.teardown_request(end_read_only_transaction)
