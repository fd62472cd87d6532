"""Client tier: audit_ext through a real driver over the extended protocol (psycopg 3), behind a thin API layer.

One API session (connection ``API``) plays Coder's server: every call goes through ``api_layer`` as a prepared
statement with typed parameters, hundreds of times, errors included. A second session (``REF``) is the oracle: plain
SQL over the fixture tables, written here from Coder's semantics (its RBAC rules, its query's filters, its capped
count, its page order), never through audit_ext. Every returned log entry is validated against the JSON Schemas
written from Coder's Go structs (audit_log.schema.json, connection_log.schema.json) and compared field by field
with its row.

Connection: libpq environment (PGHOST, PGPORT, PGDATABASE, PGUSER), as set by tests/scripts/client.sh, for a
database built by tests/scripts/fixture_db.sh with 10000 audit rows.
Run: python tests/client/test_client.py [-v]; the last line is "client: N passed, M failed".
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep the checkout free of __pycache__

import copy
import datetime as dt
import ipaddress
import json
import os
import pathlib
import time
import unittest
import uuid

import jsonschema
import psycopg
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import api_layer as api  # noqa: E402

NIL = uuid.UUID(int=0)


def md5uuid(s: str) -> uuid.UUID:
    import hashlib

    return uuid.UUID(hashlib.md5(s.encode()).hexdigest())


def user(n: int) -> uuid.UUID:
    """Fixture ids are md5('user<n>')::uuid (tests/fixture/seed.sql)."""
    return md5uuid(f"user{n}")


def org(n: int) -> uuid.UUID:
    return md5uuid(f"org{n}")


# Actors, with the role seed.sql gives them.
OWNER, SITE_AUDITOR, USER_ADMIN, TEMPLATE_ADMIN = user(1), user(2), user(3), user(4)
ORG_ADMIN_8 = user(7)        # organization-admin of org 8 (7 % 50 = 7, primary org 1 + 7 % 20)
ORG_AUDITOR_9 = user(8)      # organization-auditor of org 9
LOG_READER_10 = user(9)      # custom role log-reader (audit_log + connection_log read) in org 10
MEMBER = user(10)            # organization member only
DELETED_AUDITOR = user(58)   # organization-auditor of org 19, but deleted (58 % 29 = 0)
UNKNOWN = uuid.UUID("6b8f2c3a-1111-4222-8333-444455556666")
ACTORS = {
    "owner": OWNER, "site auditor": SITE_AUDITOR, "user-admin": USER_ADMIN, "template-admin": TEMPLATE_ADMIN,
    "org-admin(8)": ORG_ADMIN_8, "org-auditor(9)": ORG_AUDITOR_9, "log-reader(10)": LOG_READER_10,
    "member": MEMBER, "deleted org-auditor": DELETED_AUDITOR, "unknown actor": UNKNOWN,
}

API: psycopg.Connection = None  # the API layer's session
REF: psycopg.Connection = None  # the oracle's session
AUDIT_VALIDATOR = CONN_VALIDATOR = None
AUDIT_ENTRY_VALIDATOR = CONN_ENTRY_VALIDATOR = None
VALIDATED = {"audit": 0, "connection": 0}


def setUpModule():
    global API, REF, AUDIT_VALIDATOR, CONN_VALIDATOR, AUDIT_ENTRY_VALIDATOR, CONN_ENTRY_VALIDATOR
    API = psycopg.connect("", autocommit=True, application_name="audit_ext client tier (api)")
    REF = psycopg.connect("", autocommit=True, application_name="audit_ext client tier (oracle)")
    audit_schema = json.loads((HERE / "audit_log.schema.json").read_text())
    conn_schema = json.loads((HERE / "connection_log.schema.json").read_text())
    registry = Registry().with_resources([
        (audit_schema["$id"], Resource.from_contents(audit_schema)),
        (conn_schema["$id"], Resource.from_contents(conn_schema)),
    ])
    V = jsonschema.Draft202012Validator
    fc = V.FORMAT_CHECKER
    assert {"uuid", "date-time", "ipv4", "ipv6"} <= set(fc.checkers), "format checkers missing (rfc3339-validator?)"

    def validator(schema, ref=None):
        s = schema if ref is None else {"$ref": f"{schema['$id']}#/$defs/{ref}"}
        return V(s, registry=registry, format_checker=fc)

    AUDIT_VALIDATOR = validator(audit_schema)
    CONN_VALIDATOR = validator(conn_schema)
    AUDIT_ENTRY_VALIDATOR = validator(audit_schema, "AuditLog")
    CONN_ENTRY_VALIDATOR = validator(conn_schema, "ConnectionLog")


def tearDownModule():
    for c in (API, REF):
        if c is not None:
            c.close()


# ---------------------------------------------------------------- the oracle: plain SQL with Coder's semantics

def q1(sql, params=()):
    return REF.execute(sql, params).fetchone()[0]


def qall(sql, params=()):
    return REF.execute(sql, params).fetchall()


def readable_orgs(actor, obj="audit_log"):
    """Coder's RBAC for reading audit/connection logs, from the tables: None = everything, else org ids.

    Site roles owner/auditor read all; organization-admin/-auditor and custom org roles granting <obj> read (not
    negated) read their organizations; deleted, suspended or unknown users read nothing."""
    if actor is None:
        return None
    row = REF.execute(
        """
        SELECT u.id IS NULL OR u.deleted OR u.status = 'suspended',
               coalesce(u.rbac_roles && '{owner,auditor}', false),
               coalesce((SELECT array_agg(DISTINCT om.organization_id) FROM organization_members om
                         WHERE om.user_id = u.id
                           AND (om.roles && '{organization-admin,organization-auditor}'
                                OR EXISTS (SELECT 1 FROM custom_roles cr, jsonb_array_elements(cr.org_permissions) p
                                           WHERE cr.organization_id = om.organization_id AND cr.name = ANY (om.roles)
                                             AND p->>'resource_type' IN (%(obj)s, '*') AND p->>'action' IN ('read', '*')
                                             AND NOT coalesce((p->>'negate')::boolean, false)))),
                        '{}')
        FROM (SELECT %(a)s::uuid AS id) x LEFT JOIN users u USING (id)
        """, {"a": actor, "obj": obj}).fetchone()
    none, site, orgs = row
    if none:
        return []
    if site:
        return None
    return sorted(orgs)


# Audit filters: q → (extra joins, WHERE, params), as Coder's GetAuditLogsOffset filters them (with audit_ext's
# documented differences: case-insensitive email, date_to covering its whole day).
BUILD_REASON_JOINS = """
    LEFT JOIN workspace_builds ON audit_logs.resource_type = 'workspace_build' AND audit_logs.resource_id = workspace_builds.id
    LEFT JOIN workspaces ON audit_logs.resource_type = 'workspace' AND audit_logs.resource_id = workspaces.id
    LEFT JOIN workspace_builds wb_build ON audit_logs.resource_type = 'workspace' AND audit_logs.action = 'create'
                                       AND workspaces.id = wb_build.workspace_id AND wb_build.build_number = 1"""
AUDIT_FILTERS = {
    "": ("", "true", {}),
    "action:delete": ("", "audit_logs.action = 'delete'", {}),
    "resource_type:workspace action:create": ("", "audit_logs.resource_type = 'workspace' AND audit_logs.action = 'create'", {}),
    "workspace_build": ("", "audit_logs.resource_type = 'workspace_build'", {}),  # a bare word is resource_type
    "username:alice32": ("", "audit_logs.user_id = (SELECT id FROM users WHERE username = 'alice32' AND NOT deleted)", {}),
    "email:ALICE48@example.com": ("", "audit_logs.user_id IN (SELECT id FROM users WHERE lower(email) = 'alice48@example.com')", {}),
    "organization:Org-09": ("", "audit_logs.organization_id = (SELECT id FROM organizations WHERE name = 'org-09' AND NOT deleted)", {}),
    "date_from:2026-03-01 date_to:2026-03-07": ("", "audit_logs.time >= '2026-03-01 00:00+00' AND audit_logs.time < '2026-03-08 00:00+00'", {}),
    "resource_target:docker": ("", "audit_logs.resource_target = 'docker'", {}),
    "resource_type:template action:write organization:org-03": (
        "", "audit_logs.resource_type = 'template' AND audit_logs.action = 'write' AND audit_logs.organization_id = (SELECT id FROM organizations WHERE name = 'org-03')", {}),
    "build_reason:autostart": (BUILD_REASON_JOINS, "(workspace_builds.reason::text = 'autostart' OR wb_build.reason::text = 'autostart')", {}),
    "workspace_build build_reason:cli": (BUILD_REASON_JOINS, "audit_logs.resource_type = 'workspace_build' AND (workspace_builds.reason::text = 'cli' OR wb_build.reason::text = 'cli')", {}),
    f"request_id:{md5uuid('req100')}": ("", "audit_logs.request_id = %(rid)s", {"rid": md5uuid("req100")}),
    f"resource_id:{md5uuid('tpl3-1')} action:write": ("", "audit_logs.resource_id = %(rid)s AND audit_logs.action = 'write'", {"rid": md5uuid("tpl3-1")}),
}

WEB_TYPES = ("workspace_app", "port_forwarding")
CONN_FILTERS = {
    "": "true",
    "type:ssh": "connection_logs.type = 'ssh'",
    "status:ongoing": f"connection_logs.disconnect_time IS NULL AND connection_logs.type NOT IN {WEB_TYPES}",
    "status:completed": f"connection_logs.disconnect_time IS NOT NULL AND connection_logs.type NOT IN {WEB_TYPES}",
    "workspace_owner:olivia28": "connection_logs.workspace_owner_id = (SELECT id FROM users WHERE username = 'olivia28' AND NOT deleted)",
    "organization:org-05 type:workspace_app": "connection_logs.organization_id = (SELECT id FROM organizations WHERE name = 'org-05') AND connection_logs.type = 'workspace_app'",
    'connected_after:"2026-05-01T00:00:00Z" connected_before:"2026-05-10T00:00:00Z"':
        "connection_logs.connect_time >= '2026-05-01 00:00+00' AND connection_logs.connect_time <= '2026-05-10 00:00+00'",
}


def rbac_where(table, orgs):
    if orgs is None:
        return "true", {}
    return f"{table}.organization_id = ANY(%(rbac_orgs)s)", {"rbac_orgs": orgs}


def ref_audit(q, actor, limit=None, offset=0):
    """(exact count, page ids) for audit filter q read by actor."""
    joins, where, params = AUDIT_FILTERS[q]
    rw, rp = rbac_where("audit_logs", readable_orgs(actor))
    p = {**params, **rp}
    base = f"FROM audit_logs {joins} WHERE ({where}) AND ({rw})"
    exact = q1(f"SELECT count(*) {base}", p)
    ids = None
    if limit is not None:
        ids = [r[0] for r in qall(f"SELECT audit_logs.id {base} ORDER BY audit_logs.time DESC, audit_logs.id DESC "
                                  f"LIMIT %(lim)s OFFSET %(off)s", {**p, "lim": limit or 100, "off": offset})]
    return exact, ids


def ref_conn(q, actor, limit=None, offset=0):
    rw, rp = rbac_where("connection_logs", readable_orgs(actor, "connection_log"))
    base = f"FROM connection_logs WHERE ({CONN_FILTERS[q]}) AND ({rw})"
    exact = q1(f"SELECT count(*) {base}", rp)
    ids = None
    if limit is not None:
        ids = [r[0] for r in qall(f"SELECT id {base} ORDER BY connect_time DESC, id DESC LIMIT %(lim)s OFFSET %(off)s",
                                  {**rp, "lim": limit or 100, "off": offset})]
    return exact, ids


def capped(exact, cap):
    """Coder's capped count: it stops after cap + 1 matches; cap 0 counts exactly."""
    return exact if cap == 0 else min(exact, cap + 1)


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


def go_time(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def go_format(t: dt.datetime) -> str:
    """How Go's time.Time.MarshalJSON prints a UTC instant: RFC 3339, fraction without trailing zeros."""
    if t.tzinfo is None:  # timestamp without time zone (users.last_seen_at): Coder's driver reads it as UTC
        t = t.replace(tzinfo=dt.timezone.utc)
    t = t.astimezone(dt.timezone.utc)
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


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

def schema_errors(validator, instance):
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]


class ClientCase(unittest.TestCase):
    maxDiff = 4000

    def assertValidAuditPage(self, body):
        errs = schema_errors(AUDIT_VALIDATOR, body)
        self.assertEqual(errs, [], "AuditLogResponse does not match Coder's schema")
        VALIDATED["audit"] += len(body["audit_logs"])
        note_shapes(body["audit_logs"])

    def assertValidConnPage(self, body):
        errs = schema_errors(CONN_VALIDATOR, body)
        self.assertEqual(errs, [], "ConnectionLogResponse does not match Coder's schema")
        VALIDATED["connection"] += len(body["connection_logs"])

    def assertAuditRowsMatch(self, entries):
        """Each entry carries its row's values, shaped as Coder's convertAuditLog shapes them."""
        if not entries:
            return
        ids = [uuid.UUID(e["id"]) for e in entries]
        rows = {r[0]: r for r in qall(
            """SELECT a.id, a.request_id, a.time, host(a.ip), a.user_agent, a.resource_type::text, a.resource_id,
                      a.resource_target, a.resource_icon, a.action::text, a.status_code, a.organization_id,
                      u.id, u.username, u.email, u.status::text, o.name, o.display_name, o.icon,
                      u.created_at, u.updated_at, u.last_seen_at, u.login_type::text, u.name, u.avatar_url
               FROM audit_logs a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organizations o ON o.id = a.organization_id
               WHERE a.id = ANY(%s)""", (ids,))}
        for e in entries:
            r = rows[uuid.UUID(e["id"])]
            ctx = e["id"]
            self.assertEqual(uuid.UUID(e["request_id"]), r[1], ctx)
            self.assertEqual(e["time"], go_format(r[2]), ctx)
            self.assertEqual(e["ip"], "" if r[3] is None else str(ipaddress.ip_address(r[3])), ctx)
            self.assertEqual(e["user_agent"], r[4] or "", ctx)
            self.assertEqual((e["resource_type"], uuid.UUID(e["resource_id"]), e["resource_target"], e["resource_icon"]),
                             (r[5], r[6], r[7], r[8]), ctx)
            self.assertEqual((e["action"], e["status_code"]), (r[9], r[10]), ctx)
            self.assertEqual(uuid.UUID(e["organization_id"]), r[11], ctx)
            if r[11] == NIL:
                self.assertNotIn("organization", e, f"{ctx}: Coder omits organization for the nil organization")
            else:
                self.assertEqual(e["organization"], {"id": str(r[11]), "name": r[16], "display_name": r[17], "icon": r[18]}, ctx)
            if r[12] is None:
                self.assertIsNone(e["user"], f"{ctx}: no users row, Coder's user is null")
            else:
                u = e["user"]
                self.assertEqual((uuid.UUID(u["id"]), u["username"], u["email"], u["status"]), (r[12], r[13], r[14], r[15]), ctx)
                self.assertEqual(u["organization_ids"], [], f"{ctx}: Coder's audit handler passes no organization ids")
                self.assertEqual((u["created_at"], u["updated_at"], u["last_seen_at"], u["login_type"]),
                                 (go_format(r[19]), go_format(r[20]), go_format(r[21]), r[22]), ctx)
                self.assertEqual((u.get("name", ""), u.get("avatar_url", "")), (r[23], r[24]), ctx)

    def assertConnRowsMatch(self, entries):
        if not entries:
            return
        ids = [uuid.UUID(e["id"]) for e in entries]
        rows = {r[0]: r for r in qall(
            """SELECT c.id, c.connect_time, c.organization_id, c.workspace_owner_id, c.workspace_id, c.workspace_name,
                      c.agent_name, c.type::text, host(c.ip), c.code, c.user_agent, c.user_id, c.slug_or_port,
                      c.connection_id, c.disconnect_time, c.disconnect_reason, ow.username
               FROM connection_logs c LEFT JOIN users ow ON ow.id = c.workspace_owner_id WHERE c.id = ANY(%s)""", (ids,))}
        for e in entries:
            r = rows[uuid.UUID(e["id"])]
            ctx = e["id"]
            self.assertEqual(e["connect_time"], go_format(r[1]), ctx)
            self.assertEqual(uuid.UUID(e["organization"]["id"]), r[2], ctx)
            self.assertEqual((uuid.UUID(e["workspace_owner_id"]), uuid.UUID(e["workspace_id"]), e["workspace_name"],
                              e["agent_name"], e["type"], e["workspace_owner_username"]),
                             (r[3], r[4], r[5], r[6], r[7], r[16]), ctx)
            if r[8] is None:
                self.assertNotIn("ip", e, f"{ctx}: Coder omits a NULL ip")
            else:
                self.assertEqual(e["ip"], str(ipaddress.ip_address(r[8])), ctx)
            if r[7] in WEB_TYPES:
                w = e["web_info"]
                self.assertEqual((w["status_code"], w["user_agent"], w["slug_or_port"]), (r[9] or 0, r[10] or "", r[12] or ""), ctx)
                self.assertEqual(None if w["user"] is None else uuid.UUID(w["user"]["id"]), r[11], ctx)
            else:
                s = e["ssh_info"]
                self.assertEqual(uuid.UUID(s["connection_id"]), r[13], ctx)
                if r[14] is None:
                    self.assertFalse({"disconnect_time", "disconnect_reason", "exit_code"} & set(s), f"{ctx}: ongoing")
                else:
                    self.assertEqual(s["disconnect_time"], go_format(r[14]), ctx)
                    self.assertEqual(s.get("disconnect_reason"), r[15], ctx)
                    self.assertEqual(s.get("exit_code"), r[9], ctx)

    def ok(self, resp):
        self.assertEqual(resp.status, 200, f"expected 200, got {resp.status}: {resp.body}")
        return resp.body


# ---------------------------------------------------------------- tests

class T01Schemas(ClientCase):
    def test_schemas_are_valid_draft_2020_12(self):
        for f in ("audit_log.schema.json", "connection_log.schema.json"):
            jsonschema.Draft202012Validator.check_schema(json.loads((HERE / f).read_text()))

    def test_schema_rejects_what_coder_would_not_send(self):
        """The schemas are strict: each mutation of a real entry must fail validation."""
        body = self.ok(api.get_audit_logs(API, OWNER, "workspace_build", 1))
        good = body["audit_logs"][0]
        self.assertEqual(schema_errors(AUDIT_ENTRY_VALIDATOR, good), [])
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
            self.assertNotEqual(schema_errors(AUDIT_ENTRY_VALIDATOR, e), [], f"schema accepted: {name}")
        conn = self.ok(api.get_connection_logs(API, OWNER, "type:ssh", 1))["connection_logs"][0]
        self.assertEqual(schema_errors(CONN_ENTRY_VALIDATOR, conn), [])
        for name, mutate in {
            "web_info on ssh": lambda e: e.__setitem__("web_info", {"user_agent": "", "user": None, "slug_or_port": "", "status_code": 0}),
            "no ssh_info": lambda e: e.pop("ssh_info"),
            "empty ip": lambda e: e.__setitem__("ip", ""),
            "bad type": lambda e: e.__setitem__("type", "telnet"),
        }.items():
            e = copy.deepcopy(conn)
            mutate(e)
            self.assertNotEqual(schema_errors(CONN_ENTRY_VALIDATOR, e), [], f"schema accepted: {name}")


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
        for q in CONN_FILTERS:
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
        for q in CONN_FILTERS:
            self.assertGreater(ref_conn(q, OWNER)[0], 0, q)

    def test_every_connection_type_is_shaped(self):
        for t in ["ssh", "vscode", "jetbrains", "reconnecting_pty", "workspace_app", "port_forwarding"]:
            body = self.ok(api.get_connection_logs(API, OWNER, f"type:{t}", 30))
            self.assertValidConnPage(body)
            self.assertTrue(body["connection_logs"], t)
            self.assertEqual({e["type"] for e in body["connection_logs"]}, {t})
            self.assertConnRowsMatch(body["connection_logs"])


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


class T10AiSeats(ClientCase):
    @staticmethod
    def seat_sets():
        bridge = {r[0] for r in qall("SELECT DISTINCT initiator_id FROM aibridge_interceptions")}
        any_build = {r[0] for r in qall(
            "SELECT DISTINCT w.owner_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id "
            "WHERE NOT w.deleted AND b.has_ai_task")}
        latest = {r[0] for r in qall(
            "SELECT DISTINCT w.owner_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id "
            "WHERE NOT w.deleted AND b.has_ai_task "
            "AND b.build_number = (SELECT max(build_number) FROM workspace_builds x WHERE x.workspace_id = w.id)")}
        return bridge, any_build, latest

    def test_seat_states_for_pages_of_users(self):
        bridge, any_build, latest = self.seat_sets()
        self.assertTrue(bridge and any_build and latest and latest < any_build, "fixture exercises every rule")
        users = [{"id": r[0], "username": r[1]} for r in qall("SELECT id, username FROM users WHERE NOT deleted ORDER BY username")]
        for latest_only, task_users in [(False, any_build), (True, latest)]:
            for start in range(0, len(users), 25):  # Coder's users page, 25 at a time
                page = users[start:start + 25]
                body = self.ok(api.users_page_with_ai_seats(API, page, latest_only))
                for u in body:
                    self.assertEqual(u["has_ai_seat"], u["id"] in bridge or u["id"] in task_users, (u, latest_only))
                got = self.ok(api.get_user_ai_seat_states(API, [u["id"] for u in page], latest_only))
                want = [u["id"] for u in page if u["id"] in bridge or u["id"] in task_users]
                self.assertEqual(got, want, "seated ids of the page, in page order")

    def test_seat_states_edge_inputs(self):
        bridge, any_build, _ = self.seat_sets()
        seated = sorted(bridge | any_build)
        a, b = seated[0], seated[1]
        deleted_with_seat = q1("SELECT id FROM users WHERE deleted AND id = ANY(%s) LIMIT 1", (seated,))
        ids = [b, None, UNKNOWN, a, b, MEMBER if MEMBER not in bridge | any_build else UNKNOWN, a]
        self.assertEqual(self.ok(api.get_user_ai_seat_states(API, ids)), [b, a], "each id once, input order")
        self.assertEqual(self.ok(api.get_user_ai_seat_states(API, [])), [])
        self.assertEqual(self.ok(api.get_user_ai_seat_states(API, None)), [])
        if deleted_with_seat is not None:  # like Coder's query, users is not consulted
            self.assertEqual(self.ok(api.get_user_ai_seat_states(API, [deleted_with_seat])), [deleted_with_seat])

    def test_user_ai_seats_and_count(self):
        bridge, any_build, latest = self.seat_sets()
        for latest_only, task_users in [(False, any_build), (True, latest)]:
            rows = qall("SELECT id, username, deleted FROM users ORDER BY username")
            ids = [r[0] for r in rows[:40]] + [UNKNOWN]
            got = self.ok(api.user_ai_seats(API, ids, latest_only, 100))
            want = []
            for r in rows[:40]:
                reason = {(True, True): "both", (True, False): "aibridge", (False, True): "task"}.get(
                    (r[0] in bridge, r[0] in task_users))
                want.append({"user_id": r[0], "username": r[1], "has_ai_seat": reason is not None, "reason": reason})
            self.assertEqual(got, want, f"latest_build_only={latest_only}")
            live = {r[0] for r in rows if not r[2]}
            self.assertEqual(self.ok(api.count_ai_seat_users(API, latest_only)), len(live & (bridge | task_users)))
            listed = self.ok(api.user_ai_seats(API, None, latest_only, 7, 3))
            self.assertEqual([r["username"] for r in listed], sorted(r[1] for r in rows if not r[2])[3:10])


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


# ---------------------------------------------------------------- runner

def main() -> int:
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    start = time.monotonic()
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    elapsed = time.monotonic() - start
    failed = len(result.failures) + len(result.errors)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"client: {api.STATS.total} API calls in one session "
          f"({', '.join(f'{k}={v}' for k, v in sorted(api.STATS.statuses.items()))}), "
          f"{VALIDATED['audit']} audit and {VALIDATED['connection']} connection entries validated against Coder's schemas, "
          f"{elapsed:.1f}s")
    print("client: shapes seen: " + ", ".join(f"{k}={v}" for k, v in SHAPES.items()))
    print(f"client: {passed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
