"""Coder's migrations under an open API session: audit_ext must follow G1 → G2 → G3 in a backend that stays up.

shared/spec/coder-generations.md: Coder's connection pool keeps backends for hours, so the backend that answered
before `ALTER TABLE …` must answer correctly after it, and audit_ext must never make one of Coder's migrations fail,
including after `index_advice()` was applied. This test plays that out in one database:

  1. builds a G1 database with data (tests/fixture/schema.sql + seed.sql + seed_recent.sql, CREATE EXTENSION);
  2. opens session A, the API session (psycopg, autocommit, every call a server-side prepared statement through
     api_layer), and calls every function: counts, pages, search_*, predicates, readable_organizations, AI seats
     (every source), the filter checkers, index_advice, coder_schema_profile, the purges (with a cut-off that
     deletes nothing); each answer is checked against the plain-SQL oracle (oracle.py, session REF);
  3. applies every statement index_advice() lists, from a separate session (D, the DBA), until it lists nothing (a
     second round drops what a newer advice supersedes: on G3, the G1/G2 type: indexes); session A's pinned
     resource_target: follows D building, dropping and rebuilding its index;
  4. from session B (the migrator) applies tests/fixture/g2.sql unchanged, as Coder's migrate tool sends a file
     (one string, one implicit transaction): it must succeed; then session A — the same backend pid — answers
     everything again and is checked against the oracle, which now reads the G2 schema;
  5. checks index_advice() afterwards: nothing it lists exists already, nothing names a dropped column
     (workspace_builds.has_ai_task on G2+, connection_logs.type / slug_or_port on G3), everything it lists can be
     created, and after that it lists nothing; the extension's own objects (pg_depend, tests/fixture/
     extension_objects.sql) are unchanged;
  6. seed_recent.sql (rows a G2 Coder writes), checks again; then g3.sql (must succeed with the advised indexes
     present: audit_ext 0.2.0's advice blocked it), the same checks, seed_recent.sql, checks;
  7. a column Coder has only in some branches (connection_logs.client_session_id) appears and disappears under
     session A;
  8. session A was one backend throughout and its prepared statements of step 2 were still the ones executing.

Connection: libpq environment (PGHOST, PGPORT, PGUSER) of a server where audit_ext is installed (client.sh starts
one); the database AUDIT_EXT_MIGRATION_DB (default audit_ext_migration) is dropped and made here, with
AUDIT_EXT_MIGRATION_ROWS audit rows (default 5000), and dropped at the end unless AUDIT_EXT_KEEP_DB=1.
Run: python tests/client/test_migration.py [-v]; the last line is "migration: N passed, M failed" (a step with
several failing calls counts once; each failing call is printed with its stage).
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True

import datetime as dt
import os
import pathlib
import re
import subprocess
import time
import unittest
import uuid

import psycopg

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import api_layer as api  # noqa: E402
from oracle import (  # noqa: E402
    AUDIT_FILTERS, LOG_READER_10, MEMBER, ORG_AUDITOR_9, OWNER, REPO, SITE_AUDITOR, ACTORS, Oracle, RowChecks,
    capped, load_validators, md5uuid, schema_errors,
)

DB = os.environ.get("AUDIT_EXT_MIGRATION_DB", "audit_ext_migration")
ROWS = int(os.environ.get("AUDIT_EXT_MIGRATION_ROWS", "5000"))
FIXTURE = REPO / "tests" / "fixture"
ACTORS_CHECKED = {"owner": OWNER, "org-auditor(9)": ORG_AUDITOR_9, "log-reader(10)": LOG_READER_10, "member": MEMBER}
SEAT_RULES = [(None, False), (None, True), ("state", False), ("usage", False), ("usage", True)]
NOTHING = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # a purge cut-off older than every row

A: psycopg.Connection = None     # the API session: opened once, never reopened
B: psycopg.Connection = None     # the migrator (Coder's migrate tool)
D: psycopg.Connection = None     # the DBA applying index_advice()
REF: psycopg.Connection = None   # the oracle
ORACLE: Oracle = None
STATE = {"pid": None, "broken": None, "owned": None, "prepared": None, "stages": []}


def connect(app, **kw):
    return psycopg.connect("", dbname=DB, autocommit=True, application_name=f"audit_ext migration test ({app})", **kw)


def build_database():
    with psycopg.connect("", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB,
           "-f", str(FIXTURE / "schema.sql"), "-c", f"SET audit_ext_fixture.audit_rows = {ROWS}",
           "-f", str(FIXTURE / "seed.sql"), "-f", str(FIXTURE / "seed_recent.sql"), "-c", "CREATE EXTENSION audit_ext"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"building the G1 database failed: {out.stderr.strip()[-2000:]}")


def setUpModule():
    global A, B, D, REF, ORACLE
    build_database()
    A = connect("session A: api")
    B = connect("session B: migrator", prepare_threshold=None)
    D = connect("dba: index advice", prepare_threshold=None)
    REF = connect("oracle", prepare_threshold=None)
    ORACLE = Oracle(REF)
    STATE["pid"] = A.info.backend_pid
    # The extension's own objects, to compare after each migration (tests/fixture/extension_objects.sql: TEMP VIEW).
    REF.execute((FIXTURE / "extension_objects.sql").read_text())


def tearDownModule():
    for c in (A, B, D, REF):
        if c is not None:
            c.close()
    if os.environ.get("AUDIT_EXT_KEEP_DB") != "1":
        with psycopg.connect("", dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def owned_objects():
    return REF.execute("SELECT object, definition FROM owned ORDER BY object").fetchall()


def prepared_statements():
    """Session A's protocol-level prepared statements: name → (statement, executions)."""
    return {r[0]: (r[1], int(r[2])) for r in A.execute(
        "SELECT name, statement, generic_plans + custom_plans FROM pg_prepared_statements WHERE NOT from_sql").fetchall()}


ADVICE_RE = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\S+)\s+ON\s+(?:ONLY\s+)?(\S+)",
                       re.IGNORECASE)
# The one drop index_advice() may list besides a blocking index: one of audit_ext's own, superseded by an advice now
# in place (never one of Coder's indexes).
DROP_SUPERSEDED_RE = re.compile(r"^DROP INDEX CONCURRENTLY IF EXISTS \S+\.audit_ext_\w+$", re.MULTILINE)


def sql_only(stmt):
    """A statement without its comment lines (index_advice() puts the filters served in comments)."""
    return "\n".join(line for line in stmt.splitlines() if not line.lstrip().startswith("--"))


class Migration(RowChecks, unittest.TestCase):
    maxDiff = 4000

    def oracle(self):
        return ORACLE

    def validators(self):
        return load_validators(ORACLE.gen)

    # ------------------------------------------------------------ helpers
    def setUp(self):
        if STATE["broken"]:
            self.skipTest(f"Coder's migration {STATE['broken']} failed earlier")

    def call(self, stage, what, resp_fn):
        """Runs one API call of session A inside a subTest; returns its body, or None if it was not a 200."""
        with self.subTest(stage=stage, call=what):
            resp = resp_fn()
            self.assertEqual(resp.status, 200, f"[{stage}] {what}: expected 200, got {resp.status}: {resp.body}")
            return resp.body
        return None

    def check(self, stage, what, fn):
        with self.subTest(stage=stage, check=what):
            fn()

    def migrate(self, name):
        """Applies tests/fixture/<name> unchanged from session B, as one string (one implicit transaction)."""
        text = (FIXTURE / name).read_text()
        try:
            B.execute(text)
        except psycopg.Error as e:
            STATE["broken"] = name
            self.fail(f"{name} failed from session B: {e.sqlstate}: {e.diag.message_primary} "
                      f"(detail: {e.diag.message_detail}; context: {e.diag.context})")
        ORACLE.refresh()

    def assertPredicate(self, table, pred, exact, stage):
        """The predicate runs (in REF, a plain session) and selects the oracle's number of rows."""
        try:
            got = ORACLE.count_where(table, pred)
        except psycopg.Error as e:
            self.fail(f"[{stage}] the predicate does not run on the current schema: {e.sqlstate}: "
                      f"{e.diag.message_primary}: {pred}")
        self.assertEqual(got, exact, f"[{stage}] {pred}")

    def assertSameBackend(self, stage):
        self.assertEqual(A.info.backend_pid, STATE["pid"], f"[{stage}] session A reconnected")
        self.assertEqual(A.execute("SELECT pg_backend_pid()").fetchone()[0], STATE["pid"], f"[{stage}] backend")

    # ------------------------------------------------------------ every function of session A, against the oracle
    def answers(self, stage, expect_gen):
        o = ORACLE
        self.assertEqual(o.refresh(), expect_gen, f"[{stage}] the database is not at G{expect_gen}")
        self.assertSameBackend(stage)
        v = self.validators()
        STATE["stages"].append(stage)

        prof = self.call(stage, "coder_schema_profile()", lambda: api.coder_schema_profile(A))
        if prof is not None:
            def profile():
                conn = prof.get("connection_logs") or {}
                got = (prof.get("generation"), prof.get("missing"), conn.get("method_column"), conn.get("app_column"),
                       prof.get("has_ai_task"), "tasks" in (prof.get("tables") or []),
                       bool(conn.get("client_session_id")))
                want = (f"G{expect_gen}", None, o.mcol, o.acol, o.has_ai_task, expect_gen == 1, o.has_client_session_id)
                self.assertEqual(got, want, f"[{stage}] coder_schema_profile() = {prof}")
                self.assertTrue(str(prof.get("ai_seat_source", "")).startswith("state"), f"[{stage}] {prof}")
            self.check(stage, "coder_schema_profile() describes the schema", profile)

        self.call(stage, "version()", lambda: api.version(A))
        keys = self.call(stage, "filter_keys()", lambda: api.filter_keys(A))
        if keys is not None:
            self.check(stage, "filter_keys() has type for connection logs",
                       lambda: self.assertIn(("connection", "type"), {(k[0], k[1]) for k in keys}))

        # audit logs: counts, pages (JSON Schema + rows), search_audit_logs, the predicate, × actors
        n = 0
        for q in AUDIT_FILTERS:
            for name, actor in ACTORS_CHECKED.items():
                exact, _ = o.ref_audit(q, actor)
                offset = (n * 7) % max(1, exact) if exact > 25 else 0
                _, ids = o.ref_audit(q, actor, 25, offset)
                n += 1
                got = self.call(stage, f"count_audit_logs({q!r}, {name}, 100)", lambda: api.count_audit_logs(A, actor, q, 100))
                if got is not None:
                    self.check(stage, f"count_audit_logs({q!r}, {name}, 100)",
                               lambda: self.assertEqual(got, capped(exact, 100), f"[{stage}] count_audit_logs({q!r}, {name})"))
                body = self.call(stage, f"audit_logs({q!r}, {name}, 25, {offset})", lambda: api.get_audit_logs(A, actor, q, 25, offset))
                if body is not None:
                    def page():
                        self.assertEqual(schema_errors(v["audit"], body), [], f"[{stage}] AuditLogResponse schema")
                        self.assertEqual([uuid.UUID(e["id"]) for e in body["audit_logs"]], ids, f"[{stage}] audit page ids")
                        self.assertEqual(body["count"], capped(exact, 2000), f"[{stage}] audit page count")
                        if actor == OWNER:
                            self.assertAuditRowsMatch(body["audit_logs"])
                    self.check(stage, f"audit_logs({q!r}, {name}, 25, {offset})", page)
            # search_audit_logs and the predicate: once per filter, for an org-scoped reader and without an actor
            _, ids = o.ref_audit(q, ORG_AUDITOR_9, 10, 0)
            rows = self.call(stage, f"search_audit_logs({q!r}, org-auditor(9), 10)",
                             lambda: api.search_audit_logs(A, ORG_AUDITOR_9, q, 10))
            if rows is not None:
                def search():
                    self.assertEqual([r["id"] for r in rows], ids, f"[{stage}] search_audit_logs ids")
                    self.assertSearchAuditMatch(rows)
                self.check(stage, f"search_audit_logs({q!r}, org-auditor(9), 10)", search)
            for pname, actor in (("no actor", None), ("org-auditor(9)", ORG_AUDITOR_9)):
                pred = self.call(stage, f"audit_predicate({q!r}, {pname})", lambda: api.audit_predicate(A, q, actor))
                if pred is not None:
                    exact, _ = o.ref_audit(q, actor)
                    self.check(stage, f"audit_predicate({q!r}, {pname}) selects the oracle's rows",
                               lambda: self.assertPredicate("audit_logs", pred, exact, stage))

        # connection logs: the generation's filters × actors
        n = 0
        for q in o.conn_filters():
            for name, actor in ACTORS_CHECKED.items():
                exact, _ = o.ref_conn(q, actor)
                offset = (n * 11) % max(1, exact) if exact > 20 else 0
                _, ids = o.ref_conn(q, actor, 20, offset)
                n += 1
                got = self.call(stage, f"count_connection_logs({q!r}, {name}, 0)", lambda: api.count_connection_logs(A, actor, q, 0))
                if got is not None:
                    self.check(stage, f"count_connection_logs({q!r}, {name}, 0)",
                               lambda: self.assertEqual(got, exact, f"[{stage}] count_connection_logs({q!r}, {name})"))
                body = self.call(stage, f"connection_logs({q!r}, {name}, 20, {offset})",
                                 lambda: api.get_connection_logs(A, actor, q, 20, offset))
                if body is not None:
                    def page():
                        self.assertEqual(schema_errors(v["conn"], body), [], f"[{stage}] G{o.gen} ConnectionLogResponse schema")
                        self.assertEqual([uuid.UUID(e["id"]) for e in body["connection_logs"]], ids, f"[{stage}] connection page ids")
                        self.assertEqual(body["count"], capped(exact, 2000), f"[{stage}] connection page count")
                        self.assertConnRowsMatch(body["connection_logs"])
                    self.check(stage, f"connection_logs({q!r}, {name}, 20, {offset})", page)
            _, ids = o.ref_conn(q, LOG_READER_10, 15, 0)
            rows = self.call(stage, f"search_connection_logs({q!r}, log-reader(10), 15)",
                             lambda: api.search_connection_logs(A, LOG_READER_10, q, 15))
            if rows is not None:
                def search():
                    self.assertEqual([r["id"] for r in rows], ids, f"[{stage}] search_connection_logs ids")
                    self.assertSearchConnMatch(rows)
                self.check(stage, f"search_connection_logs({q!r}, log-reader(10), 15)", search)
            for pname, actor in (("no actor", None), ("log-reader(10)", LOG_READER_10)):
                pred = self.call(stage, f"connection_predicate({q!r}, {pname})", lambda: api.connection_predicate(A, q, actor))
                if pred is not None:
                    exact, _ = o.ref_conn(q, actor)
                    self.check(stage, f"connection_predicate({q!r}, {pname}) selects the oracle's rows",
                               lambda: self.assertPredicate("connection_logs", pred, exact, stage))
        # the newest rows, every kind of connection of this generation shaped (the recent rows are the newest day)
        body = self.call(stage, "connection_logs(connected_after 2026-05-31, owner, 200)",
                         lambda: api.get_connection_logs(A, OWNER, 'connected_after:"2026-05-31T00:00:00Z"', 200))
        if body is not None:
            def newest():
                self.assertEqual(schema_errors(v["conn"], body), [], f"[{stage}] schema")
                self.assertConnRowsMatch(body["connection_logs"])
            self.check(stage, "the newest connection rows", newest)
        # the type: values this generation accepts, and one it does not
        for t in o.connection_types():
            errs = self.call(stage, f"connection_query_errors('type:{t}')", lambda: api.connection_query_errors(A, f"type:{t}"))
            if errs is not None:
                self.check(stage, f"type:{t} is valid in G{o.gen}", lambda: self.assertEqual(errs, [], f"[{stage}] type:{t}"))
        for bad in (["tunnel"] if o.gen == 1 else []) + ["telnet"]:
            resp = api.connection_query_errors(A, f"type:{bad}")
            self.check(stage, f"type:{bad} is invalid in G{o.gen}", lambda: self.assertTrue(
                resp.status == 200 and resp.body and resp.body[0]["field"] == "type", f"[{stage}] {resp}"))

        # RBAC decisions
        for name, actor in {**ACTORS, "site auditor": SITE_AUDITOR}.items():
            for obj in ("audit_log", "connection_log"):
                got = self.call(stage, f"readable_organizations({name}, {obj})", lambda: api.readable_organizations(A, actor, obj))
                if got is not None or o.readable_orgs(actor, obj) is None:
                    self.check(stage, f"readable_organizations({name}, {obj})", lambda: self.assertEqual(
                        None if got is None else sorted(got), o.readable_orgs(actor, obj), f"[{stage}] {name} {obj}"))

        # AI seats, every rule
        users = [r[0] for r in o.qall("SELECT id FROM users ORDER BY username")]
        for source, latest in SEAT_RULES:
            label = f"source={source}, latest_build_only={latest} → {o.resolve_source(source, latest)}"
            seated = o.seats(source, latest)
            got = self.call(stage, f"get_user_ai_seat_states(all users, {label})",
                            lambda: api.get_user_ai_seat_states(A, users, latest, source))
            if got is not None:
                self.check(stage, f"get_user_ai_seat_states({label})", lambda: self.assertEqual(
                    got, [u for u in users if u in seated], f"[{stage}] seated ids in input order"))
            got = self.call(stage, f"user_ai_seats(all users, {label})",
                            lambda: api.user_ai_seats(A, users, latest, 1000, 0, source))
            if got is not None:
                self.check(stage, f"user_ai_seats({label})", lambda: self.assertEqual(
                    [(r["user_id"], r["has_ai_seat"], r["reason"]) for r in got],
                    [(u, u in seated, seated.get(u)) for u in users], f"[{stage}] user_ai_seats"))
            got = self.call(stage, f"count_ai_seat_users({label})", lambda: api.count_ai_seat_users(A, latest, source))
            if got is not None:
                self.check(stage, f"count_ai_seat_users({label})", lambda: self.assertEqual(
                    got, o.seat_count(source, latest), f"[{stage}] count_ai_seat_users"))
            sql = self.call(stage, f"ai_seat_states_sql({label})", lambda: api.ai_seat_states_sql(A, latest, source))
            if sql is not None and not o.has_ai_task:
                self.check(stage, f"ai_seat_states_sql({label}) without has_ai_task",
                           lambda: self.assertNotIn("has_ai_task", sql, f"[{stage}] {sql}"))

        # the purges (cut-off older than every row: they run their statements and delete nothing)
        for which in ("purge_audit_logs", "purge_audit_connection_events", "purge_connection_logs"):
            got = self.call(stage, f"{which}(2000-01-01, 100)", lambda: api.purge(A, which, NOTHING, 100))
            if got is not None:
                self.check(stage, f"{which} deleted nothing", lambda: self.assertEqual(got, 0))

        self.check(stage, "index_advice() lists nothing that exists or cannot exist", lambda: self.advice_is_sound(stage))

    # ------------------------------------------------------------ index advice
    def advice(self, stage):
        resp = api.index_advice(A)
        self.assertEqual(resp.status, 200, f"[{stage}] index_advice(): {resp.body}")
        return resp.body

    def advice_is_sound(self, stage):
        o = ORACLE
        for stmt in self.advice(stage):
            code = sql_only(stmt)
            if DROP_SUPERSEDED_RE.search(code):
                continue
            m = ADVICE_RE.search(code)
            self.assertIsNotNone(m, f"[{stage}] not a CREATE INDEX CONCURRENTLY IF NOT EXISTS: {stmt!r}")
            name = m.group(1).strip('"')
            self.assertFalse(o.q1("SELECT EXISTS (SELECT FROM pg_class WHERE relname = %s AND relkind IN ('i', 'I'))", (name,)),
                             f"[{stage}] index_advice() lists {name}, which exists: {code}")
            if not o.has_ai_task:
                self.assertNotIn("has_ai_task", code, f"[{stage}] advice for a dropped column: {code}")
            if o.gen >= 3:
                self.assertIsNone(re.search(r'\b(type|slug_or_port)\b', code[m.end():]),
                                  f"[{stage}] advice names connection_logs' G1/G2 columns: {code}")
                self.assertNotIn("connection_type", code, f"[{stage}] advice names a dropped type: {code}")

    def apply_advice(self, stage):
        """Every statement index_advice() lists, from session D, until it lists nothing: an index a newer advice
        supersedes (G3's type: indexes include the app) is advised dropped once its replacement is in place, so
        a second round may drop what the first built a replacement for; a third must find nothing."""
        stmts, failed = [], []
        for _ in range(2):
            listed = self.advice(stage)
            stmts += listed
            for stmt in listed:
                try:
                    D.execute(stmt)
                except psycopg.Error as e:
                    failed.append(f"{e.sqlstate}: {e.diag.message_primary}: {sql_only(stmt).strip()}")
        self.assertEqual(failed, [], f"[{stage}] advised statements that failed from session D")
        invalid = ORACLE.qall("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                              "WHERE NOT i.indisvalid AND c.relname LIKE 'audit_ext%%'")
        self.assertEqual(invalid, [], f"[{stage}] invalid advised indexes")
        self.assertEqual(self.advice(stage), [], f"[{stage}] index_advice() after applying it")
        return stmts

    def advised_indexes(self):
        return dict(ORACLE.qall(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c WHERE c.relkind = 'i' AND c.relname LIKE 'audit_ext%%'"))

    def assertOwnedUnchanged(self, stage):
        self.assertEqual(owned_objects(), STATE["owned"], f"[{stage}] the extension's own objects changed")

    # ------------------------------------------------------------ the steps, in order
    def test_01_g1_every_function(self):
        self.answers("G1", 1)

    def test_02_g1_apply_advice(self):
        # Session A keeps what it learnt of the indexes (plan::Resolver::leads_an_index) until an invalidation
        # says otherwise: an organization reader's pinned resource_target: is written `(organization_id = …) IS
        # TRUE` only where an index leads with resource_target, which Coder's stock schema lacks and the advice adds.
        def pinned():
            resp = api.audit_predicate(A, "resource_target:ws-1", ORG_AUDITOR_9)
            self.assertEqual(resp.status, 200, resp.body)
            return ") IS TRUE" in resp.body
        self.assertFalse(pinned(), "G1 stock: no index leads with resource_target")
        self.assertFalse(pinned(), "asked again in the same session")
        stmts = self.apply_advice("G1")
        self.assertTrue(pinned(), "session A sees the index session D built")
        target = [st for st in stmts if "audit_ext_audit_logs_target_time" in st]
        self.assertEqual(len(target), 1, stmts)
        D.execute("DROP INDEX audit_ext_audit_logs_target_time")
        self.assertFalse(pinned(), "session A sees the index dropped")
        D.execute(target[0])
        self.assertTrue(pinned(), "and built again")
        self.assertTrue(stmts, "G1: index_advice() advised something on a fresh fixture")
        STATE["owned"] = owned_objects()
        self.assertTrue(STATE["owned"], "the extension owns objects")
        STATE["indexes_g1"] = self.advised_indexes()
        STATE["prepared"] = prepared_statements()
        self.assertTrue(STATE["prepared"], "session A prepared its statements")

    def test_03_g2_migration_succeeds(self):
        self.migrate("g2.sql")

    def test_04_g2_every_function(self):
        self.answers("G2 (just migrated)", 2)

    def test_05_g2_advice_and_extension_objects(self):
        self.check("G2", "the extension's objects are unchanged", lambda: self.assertOwnedUnchanged("G2"))
        before = STATE.get("indexes_g1", {})
        now = self.advised_indexes()
        for name, d in before.items():
            if "has_ai_task" in d:
                self.check("G2", f"{name} went with its column", lambda: self.assertNotIn(
                    name, now, f"G2: {name} should have gone with workspace_builds.has_ai_task"))
            else:
                self.check("G2", f"{name} is unchanged", lambda: self.assertEqual(
                    now.get(name), d, f"G2: advised index {name} changed or vanished"))
        self.check("G2", "index_advice() is sound", lambda: self.advice_is_sound("G2"))
        self.check("G2", "index_advice() applied", lambda: self.apply_advice("G2"))
        self.check("G2", "the extension's objects are unchanged after the advice",
                   lambda: self.assertOwnedUnchanged("G2, advice applied"))
        STATE["indexes_g2"] = self.advised_indexes()

    def test_06_g2_recent_rows(self):
        self.migrate("seed_recent.sql")
        self.answers("G2 + seed_recent", 2)

    def test_07_g3_migration_succeeds_with_advised_indexes(self):
        on_conn = [n for n, d in self.advised_indexes().items() if re.search(r" ON (\S+\.)?connection_logs ", d)]
        self.check("G2", "advised indexes on connection_logs are present before G3",
                   lambda: self.assertTrue(on_conn, "no advised index on connection_logs: the G3 test would prove little"))
        self.migrate("g3.sql")

    def test_08_g3_every_function(self):
        self.answers("G3 (just migrated)", 3)

    def test_09_g3_advice_and_extension_objects(self):
        self.check("G3", "the extension's objects are unchanged", lambda: self.assertOwnedUnchanged("G3"))
        for name, d in self.advised_indexes().items():
            self.check("G3", f"{name} holds no connection_type literal", lambda: self.assertNotIn(
                "connection_type", d, f"G3: {name} still holds connection_type literals: {d}"))
        self.check("G3", "index_advice() is sound", lambda: self.advice_is_sound("G3"))
        self.check("G3", "index_advice() applied", lambda: self.apply_advice("G3"))
        # G3's type: indexes (the app included) replaced G1/G2's, which the second round dropped.
        now = self.advised_indexes()
        for old, new in (("audit_ext_connection_logs_type_time", "audit_ext_connection_logs_method_time_app"),
                         ("audit_ext_connection_logs_org_type_time", "audit_ext_connection_logs_org_method_time_app")):
            self.check("G3", f"{new} replaced {old}", lambda: (
                self.assertNotIn(old, now), self.assertIn("INCLUDE (app_name_or_port)", now.get(new, ""))))
        self.check("G3", "the extension's objects are unchanged after the advice",
                   lambda: self.assertOwnedUnchanged("G3, advice applied"))

    def test_10_g3_recent_rows(self):
        self.migrate("seed_recent.sql")
        self.answers("G3 + seed_recent", 3)

    def test_11_client_session_id_comes_and_goes(self):
        """A column some of Coder's branches have: read when present (non-null), never required."""
        row = md5uuid("recent-conn12")
        q = 'connected_after:"2026-05-31T00:00:00Z"'
        B.execute("ALTER TABLE connection_logs ADD COLUMN client_session_id text")
        B.execute("UPDATE connection_logs SET client_session_id = 'sess-12' WHERE id = %s", (row,))
        ORACLE.refresh()
        self.assertTrue(ORACLE.has_client_session_id)
        stage = "G3 + client_session_id"
        prof = self.call(stage, "coder_schema_profile()", lambda: api.coder_schema_profile(A))
        if prof is not None:
            self.check(stage, "profile sees client_session_id", lambda: self.assertTrue(
                (prof.get("connection_logs") or {}).get("client_session_id"), prof))
        body = self.call(stage, "connection_logs(recent, owner)", lambda: api.get_connection_logs(A, OWNER, q, 200))
        if body is not None:
            def shaped():
                self.assertEqual(schema_errors(self.validators()["conn"], body), [])
                with_id = [e for e in body["connection_logs"] if "client_session_id" in e]
                self.assertEqual([(e["id"], e["client_session_id"]) for e in with_id], [(str(row), "sess-12")])
                self.assertConnRowsMatch(body["connection_logs"])
            self.check(stage, "client_session_id on its row only", shaped)
        B.execute("ALTER TABLE connection_logs DROP COLUMN client_session_id")
        ORACLE.refresh()
        stage = "G3, client_session_id dropped"
        body = self.call(stage, "connection_logs(recent, owner)", lambda: api.get_connection_logs(A, OWNER, q, 200))
        if body is not None:
            self.check(stage, "no client_session_id", lambda: self.assertFalse(
                [e for e in body["connection_logs"] if "client_session_id" in e]))
        prof = self.call(stage, "coder_schema_profile()", lambda: api.coder_schema_profile(A))
        if prof is not None:
            self.check(stage, "profile no longer sees client_session_id", lambda: self.assertFalse(
                (prof.get("connection_logs") or {}).get("client_session_id"), prof))

    def test_12_one_backend_and_its_prepared_statements_throughout(self):
        self.assertSameBackend("end")
        before, now = STATE["prepared"] or {}, prepared_statements()
        self.assertTrue(before)
        for name, (stmt, execs) in before.items():
            self.assertIn(name, now, f"prepared statement {name} ({stmt}) of G1 is gone")
            if name in now:
                self.assertGreater(now[name][1], execs, f"{stmt}: not executed after the migrations")
        self.assertGreaterEqual(len(STATE["stages"]), 5, STATE["stages"])


def main() -> int:
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    start = time.monotonic()
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    elapsed = time.monotonic() - start
    failing = [t for t, _ in result.failures + result.errors]
    failed_steps = {getattr(t, "test_case", t).id() for t in failing}
    failed = len(failed_steps)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"migration: stages {' → '.join(STATE['stages'])}; {api.STATS.total} calls in session A (backend "
          f"{STATE['pid']}; {', '.join(f'{k}={v}' for k, v in sorted(api.STATS.statuses.items()))}); "
          f"{len(failing)} failing checks; {len(result.skipped)} skipped; {elapsed:.1f}s")
    print(f"migration: {passed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
