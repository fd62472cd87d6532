"""The client tier's oracle: plain SQL over Coder's tables, written from Coder's semantics for the schema
generation the database is at (shared/spec/coder-generations.md), never through audit_ext.

Shared by test_client.py (one database per generation) and test_migration.py (one database that Coder's
migrations move from G1 to G3 while the API session stays open). The generation is read from the catalog by the
oracle itself (``detect_generation``), independently of audit_ext's ``coder_schema_profile()``:

  G1  connection_logs.type (enum connection_type) + slug_or_port; workspace_builds.has_ai_task; tasks
  G2  has_ai_task and tasks dropped; connection_type gains tunnel
  G3  connection_logs.connection_method (enum connection_log_method) + app_name_or_port; connection_type dropped

What changes with the generation, here:
  * connection columns (type/slug_or_port vs connection_method/app_name_or_port) and the ``type:`` filter: G1/G2
    filter by connection_type label; G3 by Coder's compatibility categories (vscode/jetbrains: ssh rows whose
    app is in that family; ssh: ssh rows whose app is in neither family or absent; others: their method);
  * the shape of a ConnectionLog (G3: connection_method, app_name, app_display_name, deprecated type);
  * AI seats: 'state' (Coder's ai_seat_state rule) and 'usage' (AI Bridge ∪ has_ai_task builds; AI Bridge alone
    once has_ai_task is gone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import pathlib
import uuid

import jsonschema
import psycopg
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
NIL = uuid.UUID(int=0)


def md5uuid(s: str) -> uuid.UUID:
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

# ---------------------------------------------------------------- Coder's app registry (G3), from the spec
# name → (family, display name). Coder keeps this list in codersdk; it changes between releases.
APP_REGISTRY = {
    "vscode": ("vscode", "VS Code"), "vscode_insiders": ("vscode", "VS Code Insiders"),
    "vscode_web": ("vscode", "VS Code Web"), "code_server": ("vscode", "code-server"),
    "cursor": ("vscode", "Cursor"), "windsurf": ("vscode", "Windsurf"), "positron": ("vscode", "Positron"),
    "vscodium": ("vscode", "VSCodium"), "codium": ("vscode", "VSCodium"), "antigravity": ("vscode", "Antigravity"),
    "trae": ("vscode", "Trae"), "kiro": ("vscode", "Kiro"), "devin": ("vscode", "Devin"),
    "jetbrains": ("jetbrains", "JetBrains"), "zed": ("ssh", "Zed"), "ssh": ("ssh", "SSH"),
    "reconnecting_pty": ("reconnecting_pty", "Web Terminal"),
}
# Coder's down migration folds these into the old enum too: members of their family, but not registered (their
# display name is the name itself).
DOWN_MIGRATION_EXTRA = {
    "vscode": ["code_oss", "vscodium_insiders", "devin_next", "trae_cn"],
    "jetbrains": ["intellij", "pycharm", "goland", "webstorm", "phpstorm", "rubymine", "clion", "rider",
                  "rustrover", "datagrip", "dataspell", "mps", "android_studio"],
}
FAMILY = {fam: sorted({n for n, (f, _) in APP_REGISTRY.items() if f == fam} | set(DOWN_MIGRATION_EXTRA[fam]))
          for fam in ("vscode", "jetbrains")}
G3_TYPE_CATEGORIES = ["jetbrains", "port_forwarding", "reconnecting_pty", "ssh", "tunnel", "vscode", "workspace_app"]
G3_METHODS = ["ssh", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"]
WEB_FILTER_EXCLUDED = ("workspace_app", "port_forwarding")          # status: excludes these, in every generation
WEB_INFO_KINDS = ("workspace_app", "port_forwarding", "tunnel")      # web_info; the others ssh_info
CONNECTION_TYPES = {1: ["ssh", "vscode", "jetbrains", "reconnecting_pty", "workspace_app", "port_forwarding"]}
CONNECTION_TYPES[2] = CONNECTION_TYPES[1] + ["tunnel"]


def app_family(app):
    for fam, names in FAMILY.items():
        if app in names:
            return fam
    return None


def display_name(app):
    return APP_REGISTRY[app][1] if app in APP_REGISTRY else app


def compat_type(method, app):
    """G3's deprecated `type`: for ssh rows the app's family if vscode/jetbrains, else ssh; else the method."""
    if method == "ssh":
        return app_family(app) or "ssh"
    return method


def sql_text_array(names):
    return "ARRAY[" + ", ".join("'" + n.replace("'", "''") + "'" for n in names) + "]::text[]"


# ---------------------------------------------------------------- the generation, from the catalog

def detect_generation(conn) -> int:
    row = conn.execute(
        """SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('connection_logs')
                             AND attname = 'connection_method' AND NOT attisdropped),
                  EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('workspace_builds')
                             AND attname = 'has_ai_task' AND NOT attisdropped)""").fetchone()
    if row[0]:
        return 3
    return 1 if row[1] else 2


# Audit filters: q → (extra joins, WHERE, params), as Coder's GetAuditLogsOffset filters them (with audit_ext's
# documented differences: case-insensitive email, date_to covering its whole day). The same in every generation
# (G2 only removes build_reason labels none of these use).
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


def capped(exact, cap):
    """Coder's capped count: it stops after cap + 1 matches; cap 0 counts exactly."""
    return exact if cap == 0 else min(exact, cap + 1)


def go_time(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def go_format(t: dt.datetime) -> str:
    """How Go's time.Time.MarshalJSON prints a UTC instant: RFC 3339, fraction without trailing zeros."""
    if t.tzinfo is None:  # timestamp without time zone (users.last_seen_at): Coder's driver reads it as UTC
        t = t.replace(tzinfo=dt.timezone.utc)
    t = t.astimezone(dt.timezone.utc)
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


class Oracle:
    """Plain SQL over one session (autocommit, never a server-side prepared statement: Coder's migrations change
    the result types of `SELECT *`-like statements, which a kept plan would refuse)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        conn.prepare_threshold = None
        self.refresh()

    def refresh(self):
        """Re-reads the generation (after a migration)."""
        self.gen = detect_generation(self.conn)
        self.mcol = "connection_method" if self.gen >= 3 else "type"        # a connection's type / method
        self.acol = "app_name_or_port" if self.gen >= 3 else "slug_or_port"
        self.has_ai_task = self.gen == 1
        self.has_seat_state = self.q1("SELECT to_regclass('ai_seat_state') IS NOT NULL")
        self.has_client_session_id = self.q1(
            "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('connection_logs') "
            "AND attname = 'client_session_id' AND NOT attisdropped)")
        return self.gen

    def q1(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()[0]

    def qall(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def count_where(self, table, predicate):
        """Rows of `table` a WHERE clause selects (the text as given: no placeholders are interpreted)."""
        return self.conn.execute(f"SELECT count(*) FROM {table} WHERE {predicate}").fetchone()[0]

    # ------------------------------------------------------------ RBAC
    def readable_orgs(self, actor, obj="audit_log"):
        """Coder's RBAC for reading audit/connection logs, from the tables: None = everything, else org ids.

        Site roles owner/auditor read all; organization-admin/-auditor and custom org roles granting <obj> read
        (not negated) read their organizations; deleted, suspended or unknown users read nothing."""
        if actor is None:
            return None
        row = self.conn.execute(
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

    @staticmethod
    def rbac_where(table, orgs):
        if orgs is None:
            return "true", {}
        return f"{table}.organization_id = ANY(%(rbac_orgs)s)", {"rbac_orgs": orgs}

    # ------------------------------------------------------------ audit logs
    def ref_audit(self, q, actor, limit=None, offset=0):
        """(exact count, page ids) for audit filter q read by actor."""
        joins, where, params = AUDIT_FILTERS[q]
        rw, rp = self.rbac_where("audit_logs", self.readable_orgs(actor))
        p = {**params, **rp}
        base = f"FROM audit_logs {joins} WHERE ({where}) AND ({rw})"
        exact = self.q1(f"SELECT count(*) {base}", p)
        ids = None
        if limit is not None:
            ids = [r[0] for r in self.qall(f"SELECT audit_logs.id {base} ORDER BY audit_logs.time DESC, audit_logs.id DESC "
                                           f"LIMIT %(lim)s OFFSET %(off)s", {**p, "lim": limit or 100, "off": offset})]
        return exact, ids

    # ------------------------------------------------------------ connection logs
    def type_where(self, t):
        """The `type:` filter as plain SQL for this generation."""
        m, a = f"connection_logs.{self.mcol}::text", f"connection_logs.{self.acol}"
        if self.gen < 3 or t not in ("vscode", "jetbrains", "ssh"):
            return f"{m} = '{t}'"
        if t in ("vscode", "jetbrains"):
            return f"({m} = 'ssh' AND {a} = ANY({sql_text_array(FAMILY[t])}))"
        both = FAMILY["vscode"] + FAMILY["jetbrains"]
        return f"({m} = 'ssh' AND ({a} IS NULL OR NOT ({a} = ANY({sql_text_array(both)}))))"

    def conn_filters(self):
        """Connection filters q → WHERE, as Coder's GetConnectionLogsOffset filters them in this generation."""
        m = f"connection_logs.{self.mcol}::text"
        web = "('workspace_app', 'port_forwarding')"
        f = {
            "": "true",
            "type:ssh": self.type_where("ssh"),
            "status:ongoing": f"connection_logs.disconnect_time IS NULL AND {m} NOT IN {web}",
            "status:completed": f"connection_logs.disconnect_time IS NOT NULL AND {m} NOT IN {web}",
            "workspace_owner:olivia28": "connection_logs.workspace_owner_id = (SELECT id FROM users WHERE username = 'olivia28' AND NOT deleted)",
            "organization:org-05 type:workspace_app": "connection_logs.organization_id = (SELECT id FROM organizations WHERE name = 'org-05') AND " + self.type_where("workspace_app"),
            'connected_after:"2026-05-01T00:00:00Z" connected_before:"2026-05-10T00:00:00Z"':
                "connection_logs.connect_time >= '2026-05-01 00:00+00' AND connection_logs.connect_time <= '2026-05-10 00:00+00'",
        }
        if self.gen >= 2:
            f["type:tunnel"] = self.type_where("tunnel")
            f["type:tunnel status:ongoing"] = self.type_where("tunnel") + f" AND connection_logs.disconnect_time IS NULL AND {m} NOT IN {web}"
        if self.gen >= 3:
            f["type:vscode"] = self.type_where("vscode")
            f["type:jetbrains"] = self.type_where("jetbrains")
            f["type:ssh status:ongoing"] = self.type_where("ssh") + f" AND connection_logs.disconnect_time IS NULL AND {m} NOT IN {web}"
            f["type:reconnecting_pty status:completed"] = self.type_where("reconnecting_pty") + f" AND connection_logs.disconnect_time IS NOT NULL AND {m} NOT IN {web}"
        return f

    def connection_types(self):
        """The values `type:` accepts in this generation (each should match rows in the fixture)."""
        return G3_TYPE_CATEGORIES if self.gen >= 3 else CONNECTION_TYPES[self.gen]

    def ref_conn(self, q, actor, limit=None, offset=0):
        rw, rp = self.rbac_where("connection_logs", self.readable_orgs(actor, "connection_log"))
        base = f"FROM connection_logs WHERE ({self.conn_filters()[q]}) AND ({rw})"
        exact = self.q1(f"SELECT count(*) {base}", rp)
        ids = None
        if limit is not None:
            ids = [r[0] for r in self.qall(f"SELECT id {base} ORDER BY connect_time DESC, id DESC LIMIT %(lim)s OFFSET %(off)s",
                                           {**rp, "lim": limit or 100, "off": offset})]
        return exact, ids

    def conn_rows(self, ids):
        """id → the row's values audit_ext shapes, by name (method = type or connection_method, app = slug_or_port
        or app_name_or_port)."""
        session = "c.client_session_id::text" if self.has_client_session_id else "NULL::text"
        rows = self.conn.execute(
            f"""SELECT c.id, c.connect_time, c.organization_id, c.workspace_owner_id, c.workspace_id, c.workspace_name,
                       c.agent_name, c.{self.mcol}::text AS method, host(c.ip) AS ip, c.code, c.user_agent, c.user_id,
                       c.{self.acol} AS app, c.connection_id, c.disconnect_time, c.disconnect_reason,
                       ow.username AS owner_username, {session} AS client_session_id
                FROM connection_logs c LEFT JOIN users ow ON ow.id = c.workspace_owner_id WHERE c.id = ANY(%s)""",
            (list(ids),))
        names = [d.name for d in rows.description]
        return {r[0]: dict(zip(names, r)) for r in rows.fetchall()}

    def expected_method_app(self, row):
        """(connection_method, app_name) of a row as search_connection_logs gives them in every generation: G3 reads
        them; before G3, vscode/jetbrains rows were ssh by that app (what Coder's G3 migration makes of them)."""
        if self.gen >= 3:
            app = row["app"] if row["method"] in ("ssh", "reconnecting_pty") and row["app"] else None
            return row["method"], app
        if row["method"] in ("vscode", "jetbrains"):
            return "ssh", row["method"]
        return row["method"], None

    def expected_type(self, row):
        """The `type` of the ConnectionLog JSON: G1/G2 the connection_type label, G3 the compatibility type."""
        if self.gen < 3:
            return row["method"]
        method, app = self.expected_method_app(row)
        return compat_type(method, app)

    # ------------------------------------------------------------ AI seats
    def seat_state(self):
        """user id → (last_event_type, seated) for every ai_seat_state row; seated = Coder's GetUserAISeatStates
        (the user is active, not deleted, not a system user)."""
        if not self.has_seat_state:
            return {}
        return {r[0]: (r[1], r[2]) for r in self.qall(
            "SELECT s.user_id, s.last_event_type::text, "
            "       coalesce(u.status = 'active' AND NOT u.deleted AND NOT u.is_system, false) "
            "FROM ai_seat_state s LEFT JOIN users u ON u.id = s.user_id")}

    def usage_sets(self):
        """(AI Bridge initiators, owners of live workspaces with any has_ai_task build, … with a latest build
        that has it). Without has_ai_task (G2+), the task sets are empty."""
        bridge = {r[0] for r in self.qall("SELECT DISTINCT initiator_id FROM aibridge_interceptions")}
        if not self.has_ai_task:
            return bridge, set(), set()
        any_build = {r[0] for r in self.qall(
            "SELECT DISTINCT w.owner_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id "
            "WHERE NOT w.deleted AND b.has_ai_task")}
        latest = {r[0] for r in self.qall(
            "SELECT DISTINCT w.owner_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id "
            "WHERE NOT w.deleted AND b.has_ai_task "
            "AND b.build_number = (SELECT max(build_number) FROM workspace_builds x WHERE x.workspace_id = w.id)")}
        return bridge, any_build, latest

    def resolve_source(self, source, latest_build_only):
        """source NULL: 'state' where ai_seat_state exists, except latest_build_only alone selects 'usage'."""
        if source is not None:
            return source
        if latest_build_only or not self.has_seat_state:
            return "usage"
        return "state"

    def seats(self, source, latest_build_only):
        """user id → reason for every user holding a seat by this rule ('state': last_event_type; 'usage':
        aibridge/task/both). 'usage' does not consult users (deleted users count); 'state' does."""
        src = self.resolve_source(source, latest_build_only)
        if src == "state":
            return {u: ev for u, (ev, seated) in self.seat_state().items() if seated}
        bridge, any_build, latest = self.usage_sets()
        task = latest if latest_build_only else any_build
        out = {}
        for u in bridge | task:
            out[u] = "both" if u in bridge and u in task else ("aibridge" if u in bridge else "task")
        return out

    def seat_count(self, source, latest_build_only):
        """count_ai_seat_users: 'state' = GetActiveAISeatCount; 'usage' = non-deleted users with a seat."""
        seated = self.seats(source, latest_build_only)
        if self.resolve_source(source, latest_build_only) == "state":
            return len(seated)
        live = {r[0] for r in self.qall("SELECT id FROM users WHERE NOT deleted")}
        return len(live & set(seated))


# ---------------------------------------------------------------- the JSON Schemas

def load_validators(gen: int):
    """(page validator, entry validator) for audit logs and connection logs of this generation: the connection
    schema is connection_log.schema.json (the enum era) for G1/G2 and connection_log_g3.schema.json for G3."""
    audit_schema = json.loads((HERE / "audit_log.schema.json").read_text())
    conn_schema = json.loads((HERE / "connection_log.schema.json").read_text())
    g3_schema = json.loads((HERE / "connection_log_g3.schema.json").read_text())
    registry = Registry().with_resources([
        (s["$id"], Resource.from_contents(s)) for s in (audit_schema, conn_schema, g3_schema)])
    V = jsonschema.Draft202012Validator
    fc = V.FORMAT_CHECKER
    assert {"uuid", "date-time", "ipv4", "ipv6"} <= set(fc.checkers), "format checkers missing (rfc3339-validator?)"

    def validator(schema, ref=None):
        s = schema if ref is None else {"$ref": f"{schema['$id']}#/$defs/{ref}"}
        return V(s, registry=registry, format_checker=fc)

    cs = g3_schema if gen >= 3 else conn_schema
    return {"audit": validator(audit_schema), "audit_entry": validator(audit_schema, "AuditLog"),
            "conn": validator(cs), "conn_entry": validator(cs, "ConnectionLog")}


def schema_errors(validator, instance):
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]


# ---------------------------------------------------------------- row-by-row checks of returned JSON

class RowChecks:
    """Mixin for unittest.TestCase: needs self.oracle() → Oracle and self.validators() → load_validators()."""

    def assertAuditRowsMatch(self, entries):
        """Each entry carries its row's values, shaped as Coder's convertAuditLog shapes them."""
        if not entries:
            return
        ids = [uuid.UUID(e["id"]) for e in entries]
        rows = {r[0]: r for r in self.oracle().qall(
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
        """Each ConnectionLog carries its row's values, shaped as this generation's Coder shapes them."""
        if not entries:
            return
        o = self.oracle()
        rows = o.conn_rows(uuid.UUID(e["id"]) for e in entries)
        for e in entries:
            r = rows[uuid.UUID(e["id"])]
            ctx = f"{e['id']} ({r['method']}, {o.acol}={r['app']!r}, G{o.gen})"
            self.assertEqual(e["connect_time"], go_format(r["connect_time"]), ctx)
            self.assertEqual(uuid.UUID(e["organization"]["id"]), r["organization_id"], ctx)
            self.assertEqual((uuid.UUID(e["workspace_owner_id"]), uuid.UUID(e["workspace_id"]), e["workspace_name"],
                              e["agent_name"], e["workspace_owner_username"]),
                             (r["workspace_owner_id"], r["workspace_id"], r["workspace_name"], r["agent_name"],
                              r["owner_username"]), ctx)
            self.assertEqual(e["type"], o.expected_type(r), f"{ctx}: type")
            if o.gen >= 3:
                method, app = o.expected_method_app(r)
                self.assertEqual(e.get("connection_method"), method, f"{ctx}: connection_method")
                self.assertEqual(e.get("app_name"), app, f"{ctx}: app_name (ssh/reconnecting_pty rows with an app only)")
                self.assertEqual(e.get("app_display_name"), None if app is None else display_name(app),
                                 f"{ctx}: app_display_name")
            else:
                for k in ("connection_method", "app_name", "app_display_name"):
                    self.assertNotIn(k, e, f"{ctx}: G{o.gen} JSON has no {k}")
            if r["client_session_id"] is not None:
                self.assertEqual(e.get("client_session_id"), r["client_session_id"], f"{ctx}: client_session_id")
            else:
                self.assertNotIn("client_session_id", e, f"{ctx}: client_session_id only when the column has a value")
            if r["ip"] is None:
                self.assertNotIn("ip", e, f"{ctx}: Coder omits a NULL ip")
            else:
                self.assertEqual(e["ip"], str(ipaddress.ip_address(r["ip"])), ctx)
            if r["method"] in WEB_INFO_KINDS:
                self.assertNotIn("ssh_info", e, ctx)
                w = e["web_info"]
                self.assertEqual((w["status_code"], w["user_agent"], w["slug_or_port"]),
                                 (r["code"] or 0, r["user_agent"] or "", r["app"] or ""), ctx)
                self.assertEqual(None if w["user"] is None else uuid.UUID(w["user"]["id"]), r["user_id"], ctx)
            else:
                self.assertNotIn("web_info", e, ctx)
                s = e["ssh_info"]
                self.assertEqual(uuid.UUID(s["connection_id"]), r["connection_id"], ctx)
                if r["disconnect_time"] is None:
                    self.assertFalse({"disconnect_time", "disconnect_reason", "exit_code"} & set(s), f"{ctx}: ongoing")
                else:
                    self.assertEqual(s["disconnect_time"], go_format(r["disconnect_time"]), ctx)
                    self.assertEqual(s.get("disconnect_reason"), r["disconnect_reason"], ctx)
                    self.assertEqual(s.get("exit_code"), r["code"], ctx)

    def assertSearchConnMatch(self, rows):
        """search_connection_logs rows (dicts): type as the JSON's, connection_method and app_name in every
        generation, and the ids/times of their connection rows."""
        if not rows:
            return
        o = self.oracle()
        by_id = o.conn_rows(r["id"] for r in rows)
        for s in rows:
            r = by_id[s["id"]]
            ctx = f"search_connection_logs {s['id']} ({r['method']}, {r['app']!r}, G{o.gen})"
            method, app = o.expected_method_app(r)
            self.assertEqual((s["type"], s["connection_method"], s["app_name"]), (o.expected_type(r), method, app), ctx)
            self.assertEqual((s["connect_time"], s["workspace_id"], s["workspace_owner_id"], s["organization_id"]),
                             (r["connect_time"], r["workspace_id"], r["workspace_owner_id"], r["organization_id"]), ctx)
            self.assertEqual(s["disconnect_time"], r["disconnect_time"], ctx)

    def assertSearchAuditMatch(self, rows):
        if not rows:
            return
        ids = [r["id"] for r in rows]
        ref = {r[0]: r for r in self.oracle().qall(
            "SELECT a.id, a.time, a.action::text, a.resource_type::text, a.resource_target, a.status_code, u.id, "
            "a.resource_id, a.organization_id, a.request_id "
            "FROM audit_logs a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ANY(%s)", (ids,))}
        for s in rows:
            r = ref[s["id"]]
            self.assertEqual((s["time"], str(s["action"]), str(s["resource_type"]), s["resource_target"], s["status_code"],
                              s["user_id"], s["resource_id"], s["organization_id"], s["request_id"]),
                             tuple(r[1:]), f"search_audit_logs {s['id']}")
