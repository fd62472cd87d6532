"""A thin API layer over audit_ext, the way Coder's Go server would call it.

Each function is one HTTP handler's worth of work: bind the request's values with their own types (uuid.UUID →
uuid, str → text, psycopg's Int4 → int4, like pgx encodes a Go uuid.UUID / string / int32), run ONE prepared
statement over the extended protocol (psycopg ``prepare=True``: Parse once per session, then Bind/Execute), and
turn the outcome into an HTTP status and a body shaped like Coder's:

* 200 with the function's JSON (``codersdk.AuditLogResponse`` / ``ConnectionLogResponse``) or value;
* 400 with ``codersdk.Response`` ``{"message", "validations": [{"field", "detail"}]}`` for SQLSTATE 22023
  (audit_ext puts Coder's message in the primary message and the validations JSON in DETAIL; argument errors
  such as a negative limit carry no DETAIL and become one validation named after the argument) and for 54000
  (a filter over audit_ext's size limits);
* 403 for 42501 (the database role may not read Coder's tables), with Coder's ``httpapi.Forbidden`` body;
* 500 for anything else, with Coder's ``httpapi.InternalServerError`` body.

Errors never leave the session unusable: outside a transaction block the connection is in autocommit mode, so a
failed statement ends there; inside a caller's transaction every call runs in its own savepoint
(``conn.transaction()`` nests as SAVEPOINT), so a 400 rolls back only that call.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import psycopg
from psycopg import pq
from psycopg.types.numeric import Int4

# One statement text per endpoint; parameters are positional, typed by the Python values bound to them.
SQL = {
    "audit_logs": "SELECT audit_ext.audit_logs(%s, %s, %s, %s, %s, %s)",
    "count_audit_logs": "SELECT audit_ext.count_audit_logs(%s, %s, %s, %s)",
    "connection_logs": "SELECT audit_ext.connection_logs(%s, %s, %s, %s, %s, %s)",
    "count_connection_logs": "SELECT audit_ext.count_connection_logs(%s, %s, %s, %s)",
    "get_user_ai_seat_states": "SELECT id FROM audit_ext.get_user_ai_seat_states(%s, %s, %s) AS t(id)",
    "user_ai_seats": "SELECT user_id, username, has_ai_seat, reason FROM audit_ext.user_ai_seats(%s, %s, %s, %s, %s)",
    "count_ai_seat_users": "SELECT audit_ext.count_ai_seat_users(%s, %s)",
    # What an admin tool or a service splicing audit_ext into its own SQL calls (the migration test's API
    # session runs every one of them as a prepared statement too).
    "search_audit_logs": "SELECT * FROM audit_ext.search_audit_logs(%s, %s, %s, %s, %s)",
    "search_connection_logs": "SELECT * FROM audit_ext.search_connection_logs(%s, %s, %s, %s, %s)",
    "audit_predicate": "SELECT audit_ext.audit_predicate(%s, %s, %s)",
    "connection_predicate": "SELECT audit_ext.connection_predicate(%s, %s, %s)",
    "readable_organizations": "SELECT audit_ext.readable_organizations(%s, %s)",
    "connection_query_errors": "SELECT audit_ext.connection_query_errors(%s)",
    "parse_connection_query": "SELECT audit_ext.parse_connection_query(%s)",
    "audit_query_errors": "SELECT audit_ext.audit_query_errors(%s)",
    "filter_keys": "SELECT log, key, value, description FROM audit_ext.filter_keys()",
    "ai_seat_states_sql": "SELECT audit_ext.ai_seat_states_sql(%s, %s)",
    "index_advice": "SELECT audit_ext.index_advice()",
    "coder_schema_profile": "SELECT audit_ext.coder_schema_profile()",
    "version": "SELECT audit_ext.version()",
    "purge_audit_logs": "SELECT audit_ext.purge_audit_logs(%s, %s)",
    "purge_audit_connection_events": "SELECT audit_ext.purge_audit_connection_events(%s, %s)",
    "purge_connection_logs": "SELECT audit_ext.purge_connection_logs(%s, %s)",
}

INVALID_QUERY = {"audit": "Invalid audit search query.", "connection": "Invalid connection search query."}
PAGINATION_MESSAGE = "Query parameters have invalid values."  # coderd/pagination.go
FORBIDDEN = {"message": "Forbidden."}  # coderd/httpapi.Forbidden
INTERNAL_MESSAGE = "An internal server error occurred."  # coderd/httpapi.InternalServerError


@dataclass
class Response:
    status: int
    body: Any


@dataclass
class Stats:
    """What the layer did in this session: calls per statement, and how many answered each status."""

    calls: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)

    def record(self, name: str, status: int) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


STATS = Stats()


def error_response(err: psycopg.Error, log: str) -> Response:
    """Maps a PostgreSQL error (its diagnostics fields) to Coder's response shape."""
    diag = err.diag
    state = err.sqlstate or ""
    primary = diag.message_primary or str(err)
    if state == "22023":
        detail = diag.message_detail
        validations = None
        if detail:
            try:
                parsed = json.loads(detail)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and all(isinstance(v, dict) and set(v) == {"field", "detail"} for v in parsed):
                validations = parsed
        if validations is not None:  # a bad filter: Coder's message and validations, as searchquery returns them
            return Response(400, {"message": primary, "validations": validations})
        # A bad argument (limit, offset, count_cap): name it the way Coder's pagination parser does.
        m = re.match(r'^"([a-z_]+)"', primary)
        field_name = m.group(1) if m else "q"
        return Response(400, {"message": PAGINATION_MESSAGE if m else INVALID_QUERY[log],
                              "validations": [{"field": field_name, "detail": primary}]})
    if state == "54000":
        return Response(400, {"message": INVALID_QUERY[log],
                              "validations": [{"field": "q", "detail": primary + (" " + diag.message_detail if diag.message_detail else "")}]})
    if state == "42501":
        return Response(403, dict(FORBIDDEN))
    return Response(500, {"message": INTERNAL_MESSAGE, "detail": f"{state}: {primary}"})


def _run(conn: psycopg.Connection, name: str, params: Sequence[Any], log: str, fetch: str) -> Response:
    """Runs one prepared statement; in a caller's transaction block, inside its own savepoint."""
    in_tx = conn.info.transaction_status != pq.TransactionStatus.IDLE
    try:
        if in_tx:
            with conn.transaction():
                cur = conn.execute(SQL[name], params, prepare=True)
                rows = cur.fetchall()
        else:
            cur = conn.execute(SQL[name], params, prepare=True)
            rows = cur.fetchall()
    except psycopg.Error as err:
        resp = error_response(err, log)
        STATS.record(name, resp.status)
        return resp
    if fetch == "one":
        body = rows[0][0]
    elif fetch == "dicts":
        names = [d.name for d in cur.description]
        body = [dict(zip(names, r)) for r in rows]
    elif fetch == "column":
        body = [r[0] for r in rows]
    else:
        body = rows
    STATS.record(name, 200)
    return Response(200, body)


def _i4(v: Optional[int]) -> Optional[Int4]:
    return None if v is None else Int4(v)


def _actor(actor: Optional[uuid.UUID | str]) -> Optional[uuid.UUID]:
    return None if actor is None else (actor if isinstance(actor, uuid.UUID) else uuid.UUID(str(actor)))


def get_audit_logs(conn, actor, q: str = "", limit: int = 0, offset: int = 0, count_cap: int = 2000,
                   scopes: Optional[list[str]] = None) -> Response:
    """GET /api/v2/audit?q=…&limit=…&offset=… for the user ``actor`` (holding an API key with ``scopes``)."""
    return _run(conn, "audit_logs", [q, _actor(actor), _i4(limit), _i4(offset), _i4(count_cap), scopes], "audit", "one")


def count_audit_logs(conn, actor, q: str = "", count_cap: int = 2000, scopes: Optional[list[str]] = None) -> Response:
    return _run(conn, "count_audit_logs", [q, _actor(actor), _i4(count_cap), scopes], "audit", "one")


def get_connection_logs(conn, actor, q: str = "", limit: int = 0, offset: int = 0, count_cap: int = 2000,
                        scopes: Optional[list[str]] = None) -> Response:
    """GET /api/v2/connectionlog?q=…"""
    return _run(conn, "connection_logs", [q, _actor(actor), _i4(limit), _i4(offset), _i4(count_cap), scopes],
                "connection", "one")


def count_connection_logs(conn, actor, q: str = "", count_cap: int = 2000,
                          scopes: Optional[list[str]] = None) -> Response:
    return _run(conn, "count_connection_logs", [q, _actor(actor), _i4(count_cap), scopes], "connection", "one")


def get_user_ai_seat_states(conn, user_ids: Optional[list], latest_build_only: bool = False,
                            source: Optional[str] = None) -> Response:
    """The ids, of a page of users, that hold an AI seat (what Coder's users page asks before rendering).
    ``source`` None = audit_ext's default (Coder's ai_seat_state rule where it exists), 'state' or 'usage'."""
    ids = None if user_ids is None else [None if u is None else _actor(u) for u in user_ids]
    return _run(conn, "get_user_ai_seat_states", [ids, latest_build_only, source], "audit", "column")


def user_ai_seats(conn, user_ids: Optional[list] = None, latest_build_only: bool = False, limit: int = 0,
                  offset: int = 0, source: Optional[str] = None) -> Response:
    ids = None if user_ids is None else [_actor(u) for u in user_ids]
    resp = _run(conn, "user_ai_seats", [ids, latest_build_only, _i4(limit), _i4(offset), source], "audit", "rows")
    if resp.status == 200:
        resp.body = [{"user_id": r[0], "username": r[1], "has_ai_seat": r[2], "reason": r[3]} for r in resp.body]
    return resp


def count_ai_seat_users(conn, latest_build_only: bool = False, source: Optional[str] = None) -> Response:
    return _run(conn, "count_ai_seat_users", [latest_build_only, source], "audit", "one")


def users_page_with_ai_seats(conn, users: list[dict], latest_build_only: bool = False,
                             source: Optional[str] = None) -> Response:
    """Decorates a page of users (as Coder's GET /users returns them) with ``has_ai_seat`` in one call."""
    resp = get_user_ai_seat_states(conn, [u["id"] for u in users], latest_build_only, source)
    if resp.status != 200:
        return resp
    seated = set(resp.body)
    return Response(200, [dict(u, has_ai_seat=u["id"] in seated) for u in users])


# ---------------------------------------------------------------- the other functions, one prepared statement each

def search_audit_logs(conn, actor, q: str = "", limit: int = 100, offset: int = 0,
                      scopes: Optional[list[str]] = None) -> Response:
    """audit_ext.search_audit_logs: the page as typed columns; body = list of dicts by column name."""
    return _run(conn, "search_audit_logs", [q, _actor(actor), _i4(limit), _i4(offset), scopes], "audit", "dicts")


def search_connection_logs(conn, actor, q: str = "", limit: int = 100, offset: int = 0,
                           scopes: Optional[list[str]] = None) -> Response:
    return _run(conn, "search_connection_logs", [q, _actor(actor), _i4(limit), _i4(offset), scopes], "connection",
                "dicts")


def audit_predicate(conn, q: str, actor=None, scopes: Optional[list[str]] = None) -> Response:
    return _run(conn, "audit_predicate", [q, _actor(actor), scopes], "audit", "one")


def connection_predicate(conn, q: str, actor=None, scopes: Optional[list[str]] = None) -> Response:
    return _run(conn, "connection_predicate", [q, _actor(actor), scopes], "connection", "one")


def readable_organizations(conn, actor, obj: str = "audit_log") -> Response:
    return _run(conn, "readable_organizations", [_actor(actor), obj], "audit", "one")


def connection_query_errors(conn, q: str) -> Response:
    return _run(conn, "connection_query_errors", [q], "connection", "one")


def parse_connection_query(conn, q: str) -> Response:
    return _run(conn, "parse_connection_query", [q], "connection", "one")


def audit_query_errors(conn, q: str) -> Response:
    return _run(conn, "audit_query_errors", [q], "audit", "one")


def filter_keys(conn) -> Response:
    return _run(conn, "filter_keys", [], "audit", "rows")


def ai_seat_states_sql(conn, latest_build_only: bool = False, source: Optional[str] = None) -> Response:
    return _run(conn, "ai_seat_states_sql", [latest_build_only, source], "audit", "one")


def index_advice(conn) -> Response:
    return _run(conn, "index_advice", [], "audit", "column")


def coder_schema_profile(conn) -> Response:
    return _run(conn, "coder_schema_profile", [], "audit", "one")


def version(conn) -> Response:
    return _run(conn, "version", [], "audit", "one")


def purge(conn, which: str, before, batch: int = 1000) -> Response:
    """which: purge_audit_logs | purge_audit_connection_events | purge_connection_logs."""
    return _run(conn, which, [before, _i4(batch)], "audit", "one")
