"""Client tier: audit_ext through a real driver over the extended protocol (psycopg 3), behind a thin API layer.

One API session (connection ``API``) plays Coder's server: every call goes through ``api_layer`` as a prepared
statement with typed parameters, hundreds of times, errors included. A second session (``REF``) is the oracle: plain
SQL over the fixture tables, written here from Coder's semantics (its RBAC rules, its query's filters, its capped
count, its page order), never through audit_ext. Every returned log entry is validated against the JSON Schemas
written from Coder's Go structs (audit_log.schema.json; connection_log.schema.json for G1/G2,
connection_log_g3.schema.json for G3) and compared field by field with its row.

The module runs against a database at any of Coder's schema generations (G1, G2, G3;
shared/spec/coder-generations.md): the oracle (oracle.py) reads the generation from the catalog and follows it
(connection columns, the `type:` categories, the AI seat rules). AUDIT_EXT_GEN, when set, is the generation the
database must be at.

Connection: libpq environment (PGHOST, PGPORT, PGDATABASE, PGUSER), as set by tests/scripts/client.sh, for a
database built by tests/scripts/fixture_db.sh with 10000 audit rows (and tests/fixture/seed_recent.sql, which
fixture_db.sh applies from G2 on and client.sh also to its G1 database: Coder's ai_seat_state rows).
Run: python tests/client/test_client.py [-v]; the last line is "client: N passed, M failed".
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep the checkout free of __pycache__

import copy
import json
import os
import pathlib
import threading
import time
import unittest
import uuid

import jsonschema
import psycopg

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import api_layer as api  # noqa: E402
from oracle import (  # noqa: E402
    ACTORS, DELETED_AUDITOR, LOG_READER_10, MEMBER, NIL, ORG_ADMIN_8, ORG_AUDITOR_9, OWNER, SITE_AUDITOR,
    TEMPLATE_ADMIN, UNKNOWN, USER_ADMIN, AUDIT_FILTERS, G3_TYPE_CATEGORIES, Oracle, RowChecks, capped, display_name,
    go_time, load_validators, md5uuid, org, schema_errors, user,
)

API: psycopg.Connection = None  # the API layer's session
REF: psycopg.Connection = None  # the oracle's session
ORACLE: Oracle = None
GEN: int = 0                    # Coder's schema generation of the database (read by the oracle from the catalog)
VALIDATORS: dict = None
VALIDATED = {"audit": 0, "connection": 0}


def setUpModule():
    global API, REF, ORACLE, GEN, VALIDATORS
    API = psycopg.connect("", autocommit=True, application_name="audit_ext client tier (api)")
    REF = psycopg.connect("", autocommit=True, application_name="audit_ext client tier (oracle)")
    ORACLE = Oracle(REF)
    GEN = ORACLE.gen
    VALIDATORS = load_validators(GEN)


def tearDownModule():
    for c in (API, REF):
        if c is not None:
            c.close()


# ---------------------------------------------------------------- the oracle (oracle.py), bound to this module's session

def q1(sql, params=()):
    return ORACLE.q1(sql, params)


def qall(sql, params=()):
    return ORACLE.qall(sql, params)


def readable_orgs(actor, obj="audit_log"):
    return ORACLE.readable_orgs(actor, obj)


def ref_audit(q, actor, limit=None, offset=0):
    return ORACLE.ref_audit(q, actor, limit, offset)


def ref_conn(q, actor, limit=None, offset=0):
    return ORACLE.ref_conn(q, actor, limit, offset)


def prepared_text(name):
    """The statement text PostgreSQL records for an api_layer statement (psycopg turns %s into $n)."""
    sql = api.SQL[name]
    return sql.replace("%s", "$%d") % tuple(range(1, sql.count("%s") + 1))


def prepared_executions():
    """Executions of the API session's protocol-level prepared statements, by statement text."""
    return {t: int(n) for t, n in API.execute(
        "SELECT statement, sum(generic_plans + custom_plans) FROM pg_prepared_statements WHERE NOT from_sql "
        "GROUP BY statement").fetchall()}


def prepared_names():
    return {t: int(n) for t, n in API.execute(
        "SELECT statement, count(*) FROM pg_prepared_statements WHERE NOT from_sql GROUP BY statement").fetchall()}


# What the pages contained that a reader of Coder's struct tags may want to know (printed at the end).
SHAPES = {"users": 0, "users without name": 0, "users without avatar_url": 0, "users with theme_preference": 0,
          "users with is_service_account": 0, "null users": 0, "site-level rows (no organization)": 0}


def note_shapes(entries):
    for e in entries:
        if "organization" not in e:
            SHAPES["site-level rows (no organization)"] += 1
        u = e.get("user")
        if u is None:
            SHAPES["null users"] += 1
            continue
        SHAPES["users"] += 1
        SHAPES["users without name"] += "name" not in u
        SHAPES["users without avatar_url"] += "avatar_url" not in u
        SHAPES["users with theme_preference"] += "theme_preference" in u
        SHAPES["users with is_service_account"] += "is_service_account" in u


# ---------------------------------------------------------------- checks on returned JSON

class ClientCase(RowChecks, unittest.TestCase):
    maxDiff = 4000

    def oracle(self):
        return ORACLE

    def assertValidAuditPage(self, body):
        errs = schema_errors(VALIDATORS["audit"], body)
        self.assertEqual(errs, [], "AuditLogResponse does not match Coder's schema")
        VALIDATED["audit"] += len(body["audit_logs"])
        note_shapes(body["audit_logs"])

    def assertValidConnPage(self, body):
        errs = schema_errors(VALIDATORS["conn"], body)
        self.assertEqual(errs, [], f"ConnectionLogResponse does not match Coder's G{GEN} schema")
        VALIDATED["connection"] += len(body["connection_logs"])

    def ok(self, resp):
        self.assertEqual(resp.status, 200, f"expected 200, got {resp.status}: {resp.body}")
        return resp.body


# ---------------------------------------------------------------- tests

class T00Generation(ClientCase):
    def test_generation_is_the_one_asked_for(self):
        """The database is at the generation client.sh built (AUDIT_EXT_GEN), and audit_ext recognises it."""
        want = os.environ.get("AUDIT_EXT_GEN")
        if want:
            self.assertEqual(GEN, int(want), "the oracle reads another generation from the catalog")
        prof = self.ok(api.coder_schema_profile(API))
        self.assertEqual(prof.get("generation"), f"G{GEN}", prof)
        self.assertIsNone(prof.get("missing"), prof)
        conn = prof.get("connection_logs") or {}
        self.assertEqual((conn.get("method_column"), conn.get("app_column")), (ORACLE.mcol, ORACLE.acol), prof)
        self.assertEqual(prof.get("has_ai_task"), ORACLE.has_ai_task, prof)
        self.assertEqual("tasks" in (prof.get("tables") or []), GEN == 1, prof)
        self.assertTrue(str(prof.get("ai_seat_source", "")).startswith("state"), prof)


class T01Schemas(ClientCase):
    def test_schemas_are_valid_draft_2020_12(self):
        for f in ("audit_log.schema.json", "connection_log.schema.json", "connection_log_g3.schema.json"):
            jsonschema.Draft202012Validator.check_schema(json.loads((HERE / f).read_text()))

    def test_schema_rejects_what_coder_would_not_send(self):
        """The schemas are strict: each mutation of a real entry must fail validation."""
        body = self.ok(api.get_audit_logs(API, OWNER, "workspace_build", 1))
        good = body["audit_logs"][0]
        self.assertEqual(schema_errors(VALIDATORS["audit_entry"], good), [])
        mutations = {
            "stray field": lambda e: e.__setitem__("resource_name", "x"),
            "missing description": lambda e: e.pop("description"),
            "bad uuid": lambda e: e.__setitem__("id", "not-a-uuid"),
            "upper-case uuid": lambda e: e.__setitem__("id", e["id"].upper()),
            "bad enum": lambda e: e.__setitem__("resource_type", "spaceship"),
            "bad action": lambda e: e.__setitem__("action", "explode"),
            "bad time": lambda e: e.__setitem__("time", "2026-13-40T00:00:00Z"),
            "untrimmed fraction": lambda e: e.__setitem__("time", "2026-05-20T07:35:32.640000Z"),
            "ip junk": lambda e: e.__setitem__("ip", "10.0.0.999"),
            "status_code string": lambda e: e.__setitem__("status_code", "200"),
            "stray user field": lambda e: e["user"].__setitem__("password", "x"),
            "bad build_reason": lambda e: e["additional_fields"].__setitem__("build_reason", "because"),
            "diff field without secret": lambda e: e.__setitem__("diff", {"name": {"old": "a"}}),
            "stray org field": lambda e: e["organization"].__setitem__("slug", "x"),
        }
        for name, mutate in mutations.items():
            e = copy.deepcopy(good)
            mutate(e)
            self.assertNotEqual(schema_errors(VALIDATORS["audit_entry"], e), [], f"schema accepted: {name}")
        conn = self.ok(api.get_connection_logs(API, OWNER, "type:ssh", 1))["connection_logs"][0]
        self.assertEqual(schema_errors(VALIDATORS["conn_entry"], conn), [])
        for name, mutate in {
            "web_info on ssh": lambda e: e.__setitem__("web_info", {"user_agent": "", "user": None, "slug_or_port": "", "status_code": 0}),
            "no ssh_info": lambda e: e.pop("ssh_info"),
            "empty ip": lambda e: e.__setitem__("ip", ""),
            "bad type": lambda e: e.__setitem__("type", "telnet"),
        }.items():
            e = copy.deepcopy(conn)
            mutate(e)
            self.assertNotEqual(schema_errors(VALIDATORS["conn_entry"], e), [], f"schema accepted: {name}")

    def test_g3_schema_rejects_what_coder_would_not_send(self):
        """G3's ConnectionLog: the method, the app and the deprecated type must agree; apps only on ssh-like rows."""
        if GEN < 3:
            self.skipTest(f"G{GEN}: no connection methods")
        v = VALIDATORS["conn_entry"]
        app_row = self.ok(api.get_connection_logs(API, OWNER, "type:vscode", 1))["connection_logs"][0]
        web_row = self.ok(api.get_connection_logs(API, OWNER, "type:port_forwarding", 1))["connection_logs"][0]
        for e in (app_row, web_row):
            self.assertEqual(schema_errors(v, e), [])
        self.assertIn("app_name", app_row, "a vscode-family ssh row names its app")
        cases = [
            (app_row, "no connection_method", lambda e: e.pop("connection_method")),
            (app_row, "bad connection_method", lambda e: e.__setitem__("connection_method", "vscode")),
            (app_row, "type not the app's family", lambda e: e.__setitem__("type", "reconnecting_pty")),
            (app_row, "app_name without display name", lambda e: e.pop("app_display_name")),
            (app_row, "display name without app_name", lambda e: e.pop("app_name")),
            (app_row, "empty app_name", lambda e: e.__setitem__("app_name", "")),
            (app_row, "app_name not normalised (case)", lambda e: e.__setitem__("app_name", "VSCode")),
            (app_row, "app_name not normalised (dash)", lambda e: e.__setitem__("app_name", "vs-code")),
            (app_row, "app_name not trimmed", lambda e: e.__setitem__("app_name", "vscode ")),
            (app_row, "app_name over 64 runes", lambda e: e.__setitem__("app_name", "x" * 65)),
            (app_row, "web_info on ssh", lambda e: e.__setitem__("web_info", web_row["web_info"])),
            (app_row, "empty client_session_id", lambda e: e.__setitem__("client_session_id", "")),
            (web_row, "type differs from the method", lambda e: e.__setitem__("type", "ssh")),
            (web_row, "app_name on a web row", lambda e: e.update(app_name="x", app_display_name="x")),
            (web_row, "ssh_info on a web row", lambda e: e.__setitem__("ssh_info", app_row["ssh_info"])),
            (web_row, "no web_info", lambda e: e.pop("web_info")),
        ]
        for good, name, mutate in cases:
            e = copy.deepcopy(good)
            mutate(e)
            self.assertNotEqual(schema_errors(v, e), [], f"G3 schema accepted: {name}")
        # What a G3 Coder may send that the schema must accept.
        e = copy.deepcopy(app_row)
        e["client_session_id"] = "3f0e6a8e-6c59-4a4b-a2a1-6d1e7c1d8f00"
        self.assertEqual(schema_errors(v, e), [], "client_session_id is allowed")
        # The enum-era schema refuses G3 entries and the G3 schema refuses enum-era ones.
        g1 = load_validators(1)["conn_entry"]
        self.assertNotEqual(schema_errors(g1, app_row), [])
        old = {k: x for k, x in app_row.items() if k not in ("connection_method", "app_name", "app_display_name")}
        self.assertNotEqual(schema_errors(v, old), [])


class T02BoundTypes(ClientCase):
    def test_parameters_bind_as_coders_go_types(self):
        self.ok(api.get_audit_logs(API, OWNER, "", 1))
        self.ok(api.count_audit_logs(API, OWNER, "action:delete"))
        types = dict(API.execute("SELECT statement, parameter_types::text FROM pg_prepared_statements").fetchall())
        self.assertEqual(types.get(prepared_text("audit_logs")), "{text,uuid,integer,integer,integer,text[]}")
        self.assertEqual(types.get(prepared_text("count_audit_logs")), "{text,uuid,integer,text[]}")


def max_count_cap() -> int:
    """audit_ext.max_count_cap as the server has it (the ceiling of an exact count; 0 = none)."""
    q1("SELECT audit_ext.version()")  # loads the library in this session, which defines its settings
    return int(q1("SELECT current_setting('audit_ext.max_count_cap')"))


class T03OwnerPages(ClientCase):
    def test_pages_equal_plain_sql_newest_first(self):
        exact_all = q1("SELECT count(*) FROM audit_logs")
        for limit, offset in [(0, 0), (1000, 0), (7, 493), (25, 1990), (25, 9990), (25, exact_all + 5)]:
            body = self.ok(api.get_audit_logs(API, OWNER, "", limit, offset, count_cap=0))
            self.assertValidAuditPage(body)
            _, ids = ref_audit("", OWNER, limit, offset)
            got = [uuid.UUID(e["id"]) for e in body["audit_logs"]]
            self.assertEqual(got, ids, f"page limit={limit} offset={offset}")
            self.assertEqual(body["count"], exact_all)
            # An exact count (count_cap 0) is bounded by audit_ext.max_count_cap, and reports that as its cap.
            self.assertEqual(body["count_cap"], max_count_cap())
            times = [go_time(e["time"]) for e in body["audit_logs"]]
            self.assertEqual(times, sorted(times, reverse=True), "time DESC")
            self.assertAuditRowsMatch(body["audit_logs"])
        self.assertEqual(len(self.ok(api.get_audit_logs(API, OWNER, "", 0))["audit_logs"]), 100, "limit 0 means 100")

    def test_site_roles_carry_coders_display_names(self):
        # db2sdk.SlimRolesFromNames(users.rbac_roles) with rbac.RoleByName display names; no organization_id.
        for username, roles in [("admin", [{"name": "owner", "display_name": "Owner"}]),
                                ("auditor", [{"name": "auditor", "display_name": "Auditor"}]),
                                ("useradmin", [{"name": "user-admin", "display_name": "User Admin"}]),
                                ("templateadmin", [{"name": "template-admin", "display_name": "Template Admin"}]),
                                ("alice32", [])]:
            body = self.ok(api.get_audit_logs(API, OWNER, f"username:{username}", 3))
            self.assertValidAuditPage(body)
            self.assertTrue(body["audit_logs"], username)
            for e in body["audit_logs"]:
                self.assertEqual((e["user"]["username"], e["user"]["roles"]), (username, roles))
            self.assertAuditRowsMatch(body["audit_logs"])

    def test_a_time_tie_is_broken_by_id_desc(self):
        # seed.sql: every 500th row shares its time with the row before it.
        t = q1("SELECT time FROM audit_logs WHERE id = %s", (md5uuid("audit500"),))
        pos = q1("SELECT count(*) FROM audit_logs WHERE time > %s", (t,))
        body = self.ok(api.get_audit_logs(API, OWNER, "", 2, pos))
        got = [uuid.UUID(e["id"]) for e in body["audit_logs"]]
        self.assertEqual(got, sorted([md5uuid("audit499"), md5uuid("audit500")], reverse=True))


class T04CappedCounts(ClientCase):
    def test_counts_stop_after_cap_plus_one(self):
        for q in ["action:delete", "resource_type:workspace action:create", ""]:
            exact, _ = ref_audit(q, OWNER)
            self.assertGreater(exact, 5)
            for cap in [0, 1, 5, exact - 2, exact - 1, exact, exact + 1, 2000]:
                if cap < 0:
                    continue
                want = capped(exact, cap)
                self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, q, cap)), want, f"{q!r} cap {cap}")
                body = self.ok(api.get_audit_logs(API, OWNER, q, 5, 0, cap))
                reported = cap if cap > 0 else max_count_cap()
                self.assertEqual((body["count"], body["count_cap"]), (want, reported), f"page {q!r} cap {cap}")
        self.assertEqual(self.ok(api.count_audit_logs(API, OWNER)), 2001, "Coder's default cap 2000 → 2001")
        exact_c, _ = ref_conn("type:ssh", OWNER)
        self.assertEqual(self.ok(api.count_connection_logs(API, OWNER, "type:ssh", 0)), exact_c)
        self.assertEqual(self.ok(api.count_connection_logs(API, OWNER, "type:ssh", 3)), 4)


class T05Rbac(ClientCase):
    def test_every_actor_reads_what_coder_allows(self):
        # The oracle's RBAC agrees with the roles seed.sql hands out.
        self.assertIsNone(readable_orgs(OWNER))
        self.assertIsNone(readable_orgs(SITE_AUDITOR))
        self.assertEqual(readable_orgs(ORG_AUDITOR_9), [org(9)])
        self.assertEqual(readable_orgs(ORG_ADMIN_8), [org(8)])
        self.assertEqual(readable_orgs(LOG_READER_10), [org(10)])
        for a in (MEMBER, USER_ADMIN, TEMPLATE_ADMIN, DELETED_AUDITOR, UNKNOWN):
            self.assertEqual(readable_orgs(a), [])
        for name, actor in ACTORS.items():
            exact, ids = ref_audit("", actor, 50, 0)
            self.assertEqual(self.ok(api.count_audit_logs(API, actor, "", 0)), exact, name)
            body = self.ok(api.get_audit_logs(API, actor, "", 50))
            self.assertValidAuditPage(body)
            self.assertEqual([uuid.UUID(e["id"]) for e in body["audit_logs"]], ids, name)
            self.assertEqual(body["count"], capped(exact, 2000), name)
            if readable_orgs(actor) == []:
                self.assertEqual(body, {"audit_logs": [], "count": 0, "count_cap": 2000}, f"{name} reads nothing")

    def test_org_auditor_page_only_holds_their_orgs(self):
        body = self.ok(api.get_audit_logs(API, ORG_AUDITOR_9, "", 1000, 0, 0))
        self.assertValidAuditPage(body)
        self.assertGreater(len(body["audit_logs"]), 0)
        self.assertEqual({e["organization_id"] for e in body["audit_logs"]}, {str(org(9))})
        self.assertEqual({e["organization"]["name"] for e in body["audit_logs"]}, {"org-09"})
        self.assertNotIn(str(NIL), {e["organization_id"] for e in body["audit_logs"]}, "no site-level rows")
        self.assertEqual(body["count"], q1("SELECT count(*) FROM audit_logs WHERE organization_id = %s", (org(9),)))
        conn = self.ok(api.get_connection_logs(API, ORG_AUDITOR_9, "", 1000, 0, 0))
        self.assertValidConnPage(conn)
        self.assertEqual({e["organization"]["id"] for e in conn["connection_logs"]}, {str(org(9))})
        self.assertEqual(conn["count"], q1("SELECT count(*) FROM connection_logs WHERE organization_id = %s", (org(9),)))

    def test_me_is_the_actor(self):
        exact = q1("SELECT count(*) FROM audit_logs WHERE user_id = %s", (OWNER,))
        self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "username:me", 0)), exact)


class T06Scopes(ClientCase):
    def test_token_scopes_narrow_the_owner(self):
        total = q1("SELECT count(*) FROM audit_logs")
        for scopes, want in [(None, total), (["audit_log:read"], total), (["coder:all"], total),
                             (["workspace:read"], 0), ([], 0), (["workspace:read", "audit_log:*"], total)]:
            self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "", 0, scopes)), want, scopes)
        self.assertEqual(self.ok(api.get_audit_logs(API, OWNER, "", 10, 0, 2000, ["workspace:read"]))["count"], 0)
        self.assertEqual(self.ok(api.count_connection_logs(API, OWNER, "", 0, ["connection_log:read"])),
                         q1("SELECT count(*) FROM connection_logs"))
        self.assertEqual(self.ok(api.count_connection_logs(API, OWNER, "", 0, ["audit_log:read"])), 0)


class T07AuditFilters(ClientCase):
    def test_filters_times_actors_match_coder_semantics(self):
        """Every filter × every actor: capped count and a page (at a moving offset) equal the plain-SQL answer."""
        n = 0
        page_sql, count_sql = prepared_text("audit_logs"), prepared_text("count_audit_logs")
        before = prepared_executions()
        calls_before = dict(api.STATS.calls)
        for q in AUDIT_FILTERS:
            for name, actor in ACTORS.items():
                exact, _ = ref_audit(q, actor)
                offset = (n * 7) % max(1, exact) if exact > 25 else 0
                _, ids = ref_audit(q, actor, 25, offset)
                self.assertEqual(self.ok(api.count_audit_logs(API, actor, q, 100)), capped(exact, 100), f"{q!r} as {name}")
                body = self.ok(api.get_audit_logs(API, actor, q, 25, offset))
                self.assertValidAuditPage(body)
                self.assertEqual([uuid.UUID(e["id"]) for e in body["audit_logs"]], ids, f"{q!r} as {name} offset {offset}")
                self.assertEqual(body["count"], capped(exact, 2000), f"{q!r} as {name}")
                if actor in (OWNER, ORG_AUDITOR_9):
                    self.assertAuditRowsMatch(body["audit_logs"])
                n += 1
        # Each of those calls was one execution of a server-side prepared statement of this session.
        after = prepared_executions()
        for sql, name in [(page_sql, "audit_logs"), (count_sql, "count_audit_logs")]:
            made = api.STATS.calls[name] - calls_before.get(name, 0)
            self.assertEqual(made, len(AUDIT_FILTERS) * len(ACTORS))
            self.assertEqual(after.get(sql, 0) - before.get(sql, 0), made, f"{name}: prepared executions")
        # The filters are not vacuous: each selects something for the owner, and fewer than everything.
        total = q1("SELECT count(*) FROM audit_logs")
        for q in AUDIT_FILTERS:
            exact, _ = ref_audit(q, OWNER)
            self.assertGreater(exact, 0, q)
            if q:
                self.assertLess(exact, total, q)


class T08ConnectionLogs(ClientCase):
    def test_connection_filters_times_actors(self):
        n = 0
        filters = ORACLE.conn_filters()
        for q in filters:
            for name, actor in ACTORS.items():
                exact, _ = ref_conn(q, actor)
                offset = (n * 11) % max(1, exact) if exact > 20 else 0
                _, ids = ref_conn(q, actor, 20, offset)
                self.assertEqual(self.ok(api.count_connection_logs(API, actor, q, 0)), exact, f"{q!r} as {name}")
                body = self.ok(api.get_connection_logs(API, actor, q, 20, offset))
                self.assertValidConnPage(body)
                self.assertEqual([uuid.UUID(e["id"]) for e in body["connection_logs"]], ids, f"{q!r} as {name}")
                self.assertEqual(body["count"], capped(exact, 2000))
                self.assertConnRowsMatch(body["connection_logs"])
                n += 1
        for q in filters:
            self.assertGreater(ref_conn(q, OWNER)[0], 0, q)

    def test_every_connection_type_is_shaped(self):
        """Every value `type:` takes in this generation (G1: connection_type labels; G2: + tunnel; G3: Coder's
        compatibility categories) selects rows whose (deprecated, in G3) `type` is that value."""
        for t in ORACLE.connection_types():
            self.assertEqual(self.ok(api.connection_query_errors(API, f"type:{t}")), [], f"type:{t} is valid in G{GEN}")
            body = self.ok(api.get_connection_logs(API, OWNER, f"type:{t}", 30))
            self.assertValidConnPage(body)
            self.assertTrue(body["connection_logs"], t)
            self.assertEqual({e["type"] for e in body["connection_logs"]}, {t})
            if GEN >= 3:
                self.assertEqual({e["connection_method"] for e in body["connection_logs"]},
                                 {"ssh"} if t in ("ssh", "vscode", "jetbrains") else {t})
            self.assertConnRowsMatch(body["connection_logs"])
            self.assertEqual(body["count"], capped(q1(f"SELECT count(*) FROM connection_logs WHERE {ORACLE.type_where(t)}"), 2000), t)
        if GEN == 1:  # tunnel arrives with G2
            self.assertEqual(api.get_connection_logs(API, OWNER, "type:tunnel", 1).status, 400)
        if GEN >= 3:  # the method labels that are not categories are rejected as Coder rejects them
            self.assertEqual(sorted(ORACLE.connection_types()), G3_TYPE_CATEGORIES)

    def test_g3_apps_as_coder_reports_them(self):
        """seed_recent.sql's G3 rows, each with the answer written down from the spec (not from the oracle):
        (method, app_name_or_port) → (type, app_name, app_display_name, web slug_or_port)."""
        if GEN < 3:
            self.skipTest(f"G{GEN}: no connection methods")
        want = {  # n: (connection_method, type, app_name, app_display_name, web_info.slug_or_port or None)
            11: ("ssh", "vscode", "vscode", "VS Code", None),
            12: ("ssh", "vscode", "cursor", "Cursor", None),
            13: ("ssh", "jetbrains", "jetbrains", "JetBrains", None),
            14: ("ssh", "jetbrains", "pycharm", "pycharm", None),           # down-migration member, not registered
            15: ("ssh", "ssh", "zed", "Zed", None),                        # registered, family ssh
            16: ("ssh", "ssh", "my_tool", "my_tool", None),                # unregistered
            17: ("ssh", "ssh", None, None, None),
            18: ("ssh", "ssh", None, None, None),
            19: ("ssh", "ssh", None, None, None),                          # '' is no app
            20: ("ssh", "vscode", "code_oss", "code_oss", None),
            21: ("ssh", "vscode", "vscode_insiders", "VS Code Insiders", None),
            22: ("ssh", "ssh", "ssh", "SSH", None),
            23: ("ssh", "vscode", "windsurf", "Windsurf", None),
            24: ("ssh", "jetbrains", "goland", "goland", None),
            25: ("reconnecting_pty", "reconnecting_pty", None, None, None),
            26: ("reconnecting_pty", "reconnecting_pty", "reconnecting_pty", "Web Terminal", None),
            27: ("reconnecting_pty", "reconnecting_pty", "vscode", "VS Code", None),  # the app, not the family
            31: ("workspace_app", "workspace_app", None, None, "code-server"),
            32: ("port_forwarding", "port_forwarding", None, None, "8080"),
            33: ("tunnel", "tunnel", None, None, ""),
        }
        ids = {md5uuid(f"recent-conn{n}"): n for n in want}
        body = self.ok(api.get_connection_logs(API, OWNER, "connected_after:\"2026-05-31T00:00:00Z\"", 200))
        self.assertValidConnPage(body)
        seen = {ids[uuid.UUID(e["id"])]: e for e in body["connection_logs"] if uuid.UUID(e["id"]) in ids}
        self.assertEqual(sorted(seen), sorted(want), "seed_recent.sql's G3 rows are on the page")
        for n, (method, typ, app, disp, slug) in want.items():
            e = seen[n]
            got = (e["connection_method"], e["type"], e.get("app_name"), e.get("app_display_name"),
                   e["web_info"]["slug_or_port"] if "web_info" in e else None)
            self.assertEqual(got, (method, typ, app, disp, slug), f"recent-conn{n}")
            self.assertEqual(display_name(app) if app else None, disp, f"oracle registry agrees for recent-conn{n}")
        self.assertConnRowsMatch(list(seen.values()))
        # The categories of the deprecated filter, on these rows.
        for t in ("vscode", "jetbrains", "ssh", "reconnecting_pty"):
            got = {ids[uuid.UUID(e["id"])] for e in self.ok(api.get_connection_logs(
                API, OWNER, f'type:{t} connected_after:"2026-05-31T00:00:00Z"', 200))["connection_logs"]
                if uuid.UUID(e["id"]) in ids}
            self.assertEqual(got, {n for n, w in want.items() if w[1] == t}, f"type:{t}")


AUDIT_INVALID = "Invalid audit search query."
CONN_INVALID = "Invalid connection search query."


class T09Validations(ClientCase):
    def assert400(self, resp, message, validations):
        self.assertEqual(resp.status, 400, resp.body)
        self.assertEqual(resp.body, {"message": message, "validations": validations})

    def assertSessionUsable(self):
        want = q1("SELECT count(*) FROM audit_logs WHERE action = 'delete'")
        self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "action:delete", 0)), want)

    def test_bad_filters_are_400_with_coders_texts(self):
        cases = [
            (api.get_audit_logs, "action:explode bogus:1", AUDIT_INVALID, [
                {"field": "action", "detail": 'Query param "action" has invalid value: "explode" is not a valid value'},
                {"field": "bogus", "detail": '"bogus" is not a valid query param'}]),
            (api.count_audit_logs, "resource_type:spaceship colour:red date_to:tomorrow", AUDIT_INVALID, [
                {"field": "date_to", "detail": 'Query param "date_to" must be a valid date format (2006-01-02): parsing time "tomorrow" as "2006-01-02": cannot parse "tomorrow" as "2006"'},
                {"field": "resource_type", "detail": 'Query param "resource_type" has invalid value: "spaceship" is not a valid value'},
                {"field": "colour", "detail": '"colour" is not a valid query param'}]),
            (api.get_audit_logs, "organization:nowhere", AUDIT_INVALID, [
                {"field": "organization", "detail": 'Query param "organization" has invalid value: organization "nowhere" either does not exist, or you are unauthorized to view it'}]),
            (api.get_audit_logs, "date_from:2026-02-30", AUDIT_INVALID, [
                {"field": "date_from", "detail": 'Query param "date_from" must be a valid date format (2006-01-02): parsing time "2026-02-30": day out of range'}]),
            (api.get_connection_logs, "type:telnet", CONN_INVALID, [
                {"field": "type", "detail": 'Query param "type" has invalid value: "telnet" is not a valid value'}]),
            (api.count_connection_logs, "status:done", CONN_INVALID, [
                {"field": "status", "detail": 'Query param "status" has invalid value: "done" is not a valid value'}]),
        ]
        for fn, q, message, validations in cases:
            for _ in range(3):  # the same prepared statement, failing and succeeding in turn
                self.assert400(fn(API, OWNER, q), message, validations)
                self.assertSessionUsable()

    def test_bad_arguments_are_400_naming_the_argument(self):
        for resp, field_name in [(api.get_audit_logs(API, OWNER, "", -1), "limit"),
                                 (api.get_audit_logs(API, OWNER, "", 10, -5), "offset"),
                                 (api.get_audit_logs(API, OWNER, "", 1001), "limit"),
                                 (api.count_audit_logs(API, OWNER, "", -1), "count_cap"),
                                 (api.get_connection_logs(API, OWNER, "", -1), "limit")]:
            self.assertEqual(resp.status, 400, resp.body)
            self.assertEqual(resp.body["message"], api.PAGINATION_MESSAGE)
            self.assertEqual([v["field"] for v in resp.body["validations"]], [field_name], resp.body)
            self.assertSessionUsable()

    def test_abusive_filter_is_400(self):
        resp = api.get_audit_logs(API, OWNER, "a" * 5000)
        self.assertEqual(resp.status, 400, resp.body)
        self.assertEqual(resp.body["validations"][0]["field"], "q")
        self.assertIn("exceeds", resp.body["validations"][0]["detail"])
        self.assertSessionUsable()

    def test_errors_inside_a_transaction_roll_back_only_the_call(self):
        want = q1("SELECT count(*) FROM audit_logs WHERE action = 'delete'")
        with API.transaction():
            self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "action:delete", 0)), want)
            self.assertEqual(api.get_audit_logs(API, OWNER, "action:explode").status, 400)
            self.assertEqual(api.get_audit_logs(API, OWNER, "", -1).status, 400)
            self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "action:delete", 0)), want, "after a 400")
            body = self.ok(api.get_audit_logs(API, ORG_AUDITOR_9, "action:delete", 5))
            self.assertValidAuditPage(body)
        self.assertEqual(API.info.transaction_status, psycopg.pq.TransactionStatus.IDLE)
        self.assertSessionUsable()

    def test_no_database_privilege_is_403(self):
        # A role without SELECT on Coder's tables: audit_ext raises 42501, the layer answers 403. The role is made
        # and dropped by the oracle's session: psycopg empties its prepared-statement cache after a DROP/ALTER.
        REF.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'audit_ext_client_nobody') "
                    "THEN CREATE ROLE audit_ext_client_nobody; END IF; END $$")
        try:
            with API.transaction():
                API.execute("SET LOCAL ROLE audit_ext_client_nobody")
                resp = api.get_audit_logs(API, OWNER, "", 5)
                self.assertEqual(resp, api.Response(403, {"message": "Forbidden."}))
        finally:
            REF.execute("DROP ROLE IF EXISTS audit_ext_client_nobody")
        self.assertSessionUsable()


    def test_other_errors_are_500(self):
        # A misconfigured audit_ext.coder_schema: 42P01 from the database, an internal error for the client.
        with API.transaction():
            API.execute("SET LOCAL audit_ext.coder_schema = 'no_such_schema'")
            resp = api.count_audit_logs(API, OWNER, "")
        self.assertEqual(resp.status, 500, resp.body)
        self.assertEqual(resp.body["message"], api.INTERNAL_MESSAGE)
        self.assertTrue(resp.body["detail"].startswith("42P01: "), resp.body)
        self.assertSessionUsable()


# (source, latest_build_only) as an API layer passes them; None = audit_ext's default (Coder's ai_seat_state rule
# where the table exists; latest_build_only alone selects the usage rule).
SEAT_RULES = [(None, False), (None, True), ("state", False), ("usage", False), ("usage", True)]


class T10AiSeats(ClientCase):
    def test_fixture_exercises_every_rule(self):
        state = ORACLE.seat_state()
        self.assertTrue(any(seated for _, seated in state.values()), "ai_seat_state rows of active users")
        self.assertTrue(any(not seated for _, seated in state.values()),
                        "ai_seat_state rows of dormant/suspended/deleted/system users (no seat)")
        bridge, any_build, latest = ORACLE.usage_sets()
        self.assertTrue(bridge, "AI Bridge interceptions")
        if ORACLE.has_ai_task:
            self.assertTrue(any_build and latest and latest < any_build, "has_ai_task builds, not all latest")
        else:
            self.assertEqual((any_build, latest), (set(), set()))
        self.assertNotEqual(set(ORACLE.seats("state", False)), set(ORACLE.seats("usage", False)),
                            "the two rules differ on the fixture")

    def test_seat_states_for_pages_of_users(self):
        users = [{"id": r[0], "username": r[1]} for r in qall("SELECT id, username FROM users WHERE NOT deleted ORDER BY username")]
        for source, latest_only in SEAT_RULES:
            seated = ORACLE.seats(source, latest_only)
            ctx = f"source={source} latest_build_only={latest_only} (G{GEN}: {ORACLE.resolve_source(source, latest_only)})"
            for start in range(0, len(users), 25):  # Coder's users page, 25 at a time
                page = users[start:start + 25]
                body = self.ok(api.users_page_with_ai_seats(API, page, latest_only, source))
                for u in body:
                    self.assertEqual(u["has_ai_seat"], u["id"] in seated, (u, ctx))
                got = self.ok(api.get_user_ai_seat_states(API, [u["id"] for u in page], latest_only, source))
                want = [u["id"] for u in page if u["id"] in seated]
                self.assertEqual(got, want, f"seated ids of the page, in page order; {ctx}")

    def test_seat_states_edge_inputs(self):
        for source, latest_only in SEAT_RULES:
            seated = sorted(ORACLE.seats(source, latest_only))
            ctx = f"source={source} latest_build_only={latest_only}"
            self.assertGreaterEqual(len(seated), 2, ctx)
            a, b = seated[0], seated[1]
            ids = [b, None, UNKNOWN, a, b, MEMBER if MEMBER not in seated else UNKNOWN, a]
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, ids, latest_only, source)), [b, a],
                             f"each id once, input order; {ctx}")
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, [], latest_only, source)), [], ctx)
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, None, latest_only, source)), [], ctx)
        # usage: like Coder's first query, users is not consulted (a deleted user with interceptions has a seat).
        usage = set(ORACLE.seats("usage", False))
        deleted = qall("SELECT id FROM users WHERE deleted AND id = ANY(%s) LIMIT 1", (sorted(usage),))
        deleted_with_usage = deleted[0][0] if deleted else None
        if deleted_with_usage is not None:
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, [deleted_with_usage], False, "usage")),
                             [deleted_with_usage])
        # state: an ai_seat_state row is a seat only while its user is active, not deleted and not a system user.
        state = ORACLE.seat_state()
        lapsed = sorted(u for u, (_, seated) in state.items() if not seated)
        self.assertTrue(lapsed)
        for rule in (None, "state"):
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, lapsed, False, rule)), [], f"source={rule}")
        self.assertIn(user(5), [u for u, (_, seated) in state.items() if seated], "fixture: the service account has a seat")
        self.assertEqual(self.ok(api.get_user_ai_seat_states(API, [user(5), user(6)], False, None)), [user(5)],
                         "service accounts count, the system user does not")

    def test_user_ai_seats_and_count(self):
        rows = qall("SELECT id, username, deleted FROM users ORDER BY username")
        for source, latest_only in SEAT_RULES:
            seated = ORACLE.seats(source, latest_only)
            ctx = f"source={source} latest_build_only={latest_only}"
            ids = [r[0] for r in rows[:40]] + [UNKNOWN]
            got = self.ok(api.user_ai_seats(API, ids, latest_only, 100, 0, source))
            want = [{"user_id": r[0], "username": r[1], "has_ai_seat": r[0] in seated, "reason": seated.get(r[0])}
                    for r in rows[:40]]
            self.assertEqual(got, want, ctx)
            # Every user with an ai_seat_state row or usage, among the first users by name, for a wider check.
            probe = sorted(set(seated) | set(ORACLE.seat_state()))
            got = {r["user_id"]: (r["has_ai_seat"], r["reason"]) for r in self.ok(api.user_ai_seats(API, probe, latest_only, 1000, 0, source))}
            known = {r[0] for r in rows}
            self.assertEqual(got, {u: (u in seated, seated.get(u)) for u in probe if u in known}, ctx)
            self.assertEqual(self.ok(api.count_ai_seat_users(API, latest_only, source)), ORACLE.seat_count(source, latest_only), ctx)
            listed = self.ok(api.user_ai_seats(API, None, latest_only, 7, 3, source))
            self.assertEqual([r["username"] for r in listed], sorted(r[1] for r in rows if not r[2])[3:10], ctx)

    def test_bad_source_is_400(self):
        for call in (lambda: api.get_user_ai_seat_states(API, [OWNER], False, "vibes"),
                     lambda: api.user_ai_seats(API, None, False, 10, 0, "vibes"),
                     lambda: api.count_ai_seat_users(API, False, "vibes")):
            resp = call()
            self.assertEqual(resp.status, 400, resp.body)
        self.assertEqual(self.ok(api.count_ai_seat_users(API, False, "state")), ORACLE.seat_count("state", False))


class T99Session(ClientCase):
    def test_one_session_many_prepared_calls(self):
        """Runs last: the whole module went through one backend, every API call as a prepared statement.

        psycopg forgets a statement whose preparing execution failed (it prepares it again under a new name; the
        old one stays allocated on the server) and deallocates every statement after any ROLLBACK (including
        ROLLBACK TO SAVEPOINT). So this burst runs in autocommit and counts executions by statement text."""
        self.assertEqual(API.info.backend_pid, API.execute("SELECT pg_backend_pid()").fetchone()[0])
        sql = prepared_text("count_audit_logs")
        before_exec, before_names = prepared_executions().get(sql, 0), prepared_names().get(sql, 0)
        want = q1("SELECT count(*) FROM audit_logs WHERE action = 'delete'")
        calls = errors = 0
        for i in range(60):
            if i % 10 == 9:
                self.assertEqual(api.count_audit_logs(API, OWNER, "action:explode").status, 400)
                errors += 1
            else:
                self.assertEqual(self.ok(api.count_audit_logs(API, OWNER, "action:delete", 0)), want)
            calls += 1
        after_exec, after_names = prepared_executions().get(sql, 0), prepared_names().get(sql, 0)
        self.assertEqual(after_exec - before_exec, calls, "every call executed a server-side prepared statement")
        self.assertLessEqual(after_names - before_names, errors + 1, "prepared once, again only after an error")
        self.assertGreaterEqual(api.STATS.total, 200, "many calls in one session")
        self.assertGreater(api.STATS.statuses.get(400, 0), 10, "errors happened in the same session")
        self.assertGreater(VALIDATED["audit"], 1000)
        self.assertGreater(VALIDATED["connection"], 500)


class T10KeysetPages(ClientCase):
    """Keyset pages (after / next_after) and the export, against a writer inserting newest rows meanwhile."""

    def walk(self, q, actor, size, dialect="coder"):
        ids, after, pages = [], "", 0
        while after is not None:
            page = API.execute("SELECT audit_ext.audit_logs(%s, %s, %s, after => %s, dialect => %s)",
                               (q, actor, size, after, dialect)).fetchone()[0]
            ids += [e["id"] for e in page["audit_logs"]]
            after, pages = page["next_after"], pages + 1
            time.sleep(0.01)  # let the writer in between pages
        return ids, pages

    def test_pages_are_stable_under_a_concurrent_writer(self):
        org9 = md5uuid("org9")
        want = [str(r[0]) for r in qall(
            "SELECT id FROM audit_logs WHERE organization_id = %s ORDER BY time DESC, id DESC", (org9,))]
        stop, written = threading.Event(), []

        def writer():
            with psycopg.connect("", autocommit=True, application_name="audit_ext client tier (writer)") as w:
                while not stop.is_set():
                    written.extend(r[0] for r in w.execute(
                        "INSERT INTO audit_logs SELECT (jsonb_populate_record(a, jsonb_build_object("
                        "'id', gen_random_uuid(), 'time', clock_timestamp()))).* FROM audit_logs a "
                        "WHERE organization_id = %s LIMIT 3 RETURNING id", (org9,)).fetchall())
                    time.sleep(0.005)

        t = threading.Thread(target=writer)
        t.start()
        try:
            got, pages = self.walk("", ORG_AUDITOR_9, 7)
            offset_ids = []
            for offset in range(0, len(want), 7):
                page = self.ok(api.get_audit_logs(API, ORG_AUDITOR_9, "", 7, offset))
                offset_ids += [e["id"] for e in page["audit_logs"]]
                time.sleep(0.01)
        finally:
            stop.set()
            t.join()
            REF.execute("DELETE FROM audit_logs WHERE id = ANY(%s)", (written,))
        self.assertGreater(len(written), 20, "the writer wrote while the pages were read")
        self.assertGreater(pages, 5)
        # Every row that existed when paging began, once, in order; a row written meanwhile can only be on the first
        # page (it is newer than every cursor).
        new = {str(i) for i in written}
        self.assertEqual(len(set(got)), len(got), "no row twice")
        self.assertEqual([i for i in got if i not in new], want)
        self.assertTrue(all(i not in new for i in got[7:]), "rows written meanwhile are not after the first page")
        # The control: offset pages over the same writer repeat rows (new rows push old ones across pages).
        self.assertLess(len(set(offset_ids)), len(offset_ids), "offset pages moved under the writer")

    def test_export_equals_the_keyset_pages(self):
        for q, actor, dialect in [("", OWNER, "coder"), ("action:delete", ORG_AUDITOR_9, "coder"),
                                  ("-action:login,logout status_code:>=400", OWNER, "extended")]:
            pages, _ = self.walk(q, actor, 100, dialect)
            export = [str(r[0]) for r in API.execute(
                "SELECT id FROM audit_ext.export_audit_logs(%s, %s, dialect => %s)", (q, actor, dialect)).fetchall()]
            self.assertEqual(export, pages, q)
            self.assertGreater(len(export), 0, q)

# ---------------------------------------------------------------- runner

def main() -> int:
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    start = time.monotonic()
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    elapsed = time.monotonic() - start
    failed = len(result.failures) + len(result.errors)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"client: G{GEN}: {api.STATS.total} API calls in one session "
          f"({', '.join(f'{k}={v}' for k, v in sorted(api.STATS.statuses.items()))}), "
          f"{VALIDATED['audit']} audit and {VALIDATED['connection']} connection entries validated against Coder's schemas, "
          f"{elapsed:.1f}s")
    print("client: shapes seen: " + ", ".join(f"{k}={v}" for k, v in SHAPES.items()))
    print(f"client: {passed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
