#!/usr/bin/env python3
"""Writes the hand-made seed corpus of the render_rows fuzz target (tests/fuzz/corpus/render_rows/seed-*).

Each seed is a row in the byte layout that fuzz_targets/render_rows.rs decodes (one byte per choice, in the
order the generator functions read them; a read past the end is 0, so trailing defaults are left off). The
string lists (WORDS, KEYS, …) are read from the Rust source, so a seed names values, not indices. Run it again
after changing the decoder (python3 tests/fuzz/seeds.py); replay a seed with AUDIT_EXT_FUZZ_DEBUG=1 to see the
row it stands for:
    AUDIT_EXT_FUZZ_DEBUG=1 tests/fuzz/target/x86_64-unknown-linux-gnu/release/render_rows corpus/render_rows/seed-…
"""
import re
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = (HERE / "fuzz_targets" / "render_rows.rs").read_text()
OUT = HERE / "corpus" / "render_rows"


def rust_list(name):
    m = re.search(r"const " + name + r": &\[&str\] = &\[(.*?)\];", SRC, re.S)
    assert m, name
    items = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))

    def unescape(s):
        s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda x: chr(int(x.group(1), 16)), s)
        return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace('\\"', '"').replace("\\\\", "\\")

    return [unescape(i) for i in items]


L = {n: rust_list(n) for n in ["WORDS", "UNSEEN", "RESOURCE_TYPES", "ACTIONS", "BUILD_REASONS", "USER_STATUS",
                               "LOGIN_TYPES", "ROLES", "TYPES", "METHODS", "APP_NAMES", "ODD_IPS", "KEYS",
                               "FIELD_KEYS", "AF_KEYS"]}
WIDE = ["é", "\u0301", "\u2028", "€", "\ufeff", "\ufffd", "😀", "\U0010ffff", "ſ", "\u212a"]
STATUS = [200, 201, 204, 0, -1, 1, 100, 199, 302, 303, 304, 399, 400, 401, 403, 404, 499, 500, 599,
          -2**31, -2**31 + 1, 2**31 - 1]


def idx(lst, v):
    return bytes([L[lst].index(v)])


# --- values (mirroring the Rust functions of the same names)
def uuid(v="nil"):
    fixed = {"nil": 0, "alice": 1, "bob": 2, "org": 3, "max": 4}
    return bytes([fixed[v]]) if v in fixed else bytes([5]) + bytes.fromhex(v.replace("-", ""))


TIMES = {"2000": 0, "-inf": 1, "inf": 2, "pg_min": 3, "pg_max": 4, "go_min": 5, "go_min-1": 6, "go_max": 7,
         "go_end": 8, "go_zero": 9, "-1us": 10}


def time(t="2000"):
    if isinstance(t, int):  # a time in Go's range: GO_MIN + t
        return bytes([11]) + struct.pack("<Q", t)
    return bytes([TIMES[t]])


def status(c=200):
    return bytes([0, STATUS.index(c)]) if c in STATUS else bytes([3]) + struct.pack("<i", c)


def none():
    return b"\x00"


def some(b):
    return b"\x01" + b


def text(s=""):
    """A word of WORDS, or raw UTF-8 bytes (at most 255)."""
    if s in L["WORDS"]:
        return bytes([1]) + idx("WORDS", s)
    b = s.encode()
    assert len(b) < 256 and "\0" not in s
    return bytes([3, len(b)]) + b


def concat(*parts):
    assert len(parts) in (2, 3)
    return bytes([7, len(parts) - 2]) + b"".join(parts)


def repeat(piece, n):
    """piece (a WORDS word: text at depth 2) repeated n times."""
    return bytes([8]) + text(piece) + struct.pack("<H", n)


FORMS = {"canonical": 0, "urn": 1, "braces": 2, "simple": 3, "URN": 4, "UPPER": 5}


def uuid_text(form="canonical", id="0d000000-0000-4000-8000-000000000001", edit=None):
    """edit: None, ("replace", char, at), ("insert", char, at), ("cut", at)."""
    b = uuid(id) + bytes([FORMS[form]])
    if edit is None:
        return b + b"\x00"
    if edit[0] == "cut":
        return b + bytes([3, edit[1]])
    return b + bytes([1 if edit[0] == "replace" else 2, WIDE.index(edit[1]), edit[2]])


def text_uuid(*a, **k):
    return bytes([4]) + uuid_text(*a, **k)


def label(lst, v):
    if v in L[lst]:
        return bytes([0]) + idx(lst, v)
    if v in L["UNSEEN"]:
        return bytes([6]) + idx("UNSEEN", v)
    return bytes([7]) + text(v)


def ip(v):
    if v in L["ODD_IPS"]:
        return bytes([5]) + idx("ODD_IPS", v)
    if isinstance(v, tuple) and v[0] == "v4":
        return bytes([0]) + bytes(v[1])
    if isinstance(v, tuple) and v[0] == "v6":
        return bytes([1]) + bytes(v[1])
    if isinstance(v, tuple) and v[0] == "v6full":
        return bytes([2]) + bytes(v[1])
    if isinstance(v, tuple) and v[0] == "mapped":
        return bytes([3]) + bytes(v[1])
    if isinstance(v, tuple) and v[0] == "compat":
        return bytes([4]) + bytes(v[1])
    if isinstance(v, tuple) and v[0] == "v4mask":
        return bytes([7]) + bytes(v[1]) + bytes([v[2]])
    return bytes([9]) + text(v)


NUMBERS = {"0": 0, "u64max": 1, "i64min": 2, "i64max": 3, "1e308": 4, "f64max": 5, "-f64max": 6, "f64minpos": 7,
           "5e-324": 8, "-0": 9, "0.1": 10}


def number(n):
    return bytes([NUMBERS[n]])


# JSON (json(r, depth) at depth 0 unless noted)
def j_null():
    return b"\x00"


def j_bool(v):
    return bytes([1, int(v)])


def j_num(n):
    return bytes([2]) + number(n)


def j_str(s):
    return bytes([3]) + text(s)


def j_arr(*items):
    return bytes([4, len(items)]) + b"".join(items)


def key(k):
    return (bytes([0]) + idx("KEYS", k)) if k in L["KEYS"] else bytes([3]) + text(k)


def j_obj(*kv):
    return bytes([6, len(kv)]) + b"".join(key(k) + v for k, v in kv)


def j_deep(n, how, leaf):
    """A chain n deep (0 arrays, 1 {"a": …}, 2 new/old objects) around leaf (read at depth MAX_DEPTH: null,
    bool, number or string)."""
    return bytes([8]) + struct.pack("<H", n) + bytes([how]) + leaf


def diff_obj(*fields):
    return bytes([0, len(fields)]) + b"".join(key(k) + f for k, f in fields)


def diff_any(j):
    return bytes([1]) + j


def diff_null():
    return bytes([2])


def field(*kv):
    """kv: (FIELD_KEY, bool) or (FIELD_KEY, json bytes at depth 2)."""
    out = bytes([0, len(kv)])
    for k, v in kv:
        out += idx("FIELD_KEYS", k) + (bytes([1, int(v)]) if isinstance(v, bool) else b"\x00" + v)
    return out


def field_any(j):
    return bytes([1]) + j


def field_archived(old, new):
    return bytes([2, int(old), int(new)])


def af_null():
    return b"\x00"


def af_any(j):
    return b"\x01" + j


def af_obj(*kv):
    out = bytes([2, len(kv)])
    for k, v in kv:
        out += (bytes([0]) + idx("AF_KEYS", k)) if k in L["AF_KEYS"] else bytes([3]) + key(k)
        out += v
    return out


def af_text(s):
    return b"\x00" + text(s)


def af_uuid(*a, **k):
    return b"\x01" + uuid_text(*a, **k)


def af_reason(v):
    return b"\x02" + label("BUILD_REASONS", v)


def af_json(j):
    return b"\x06" + j


def af_num(n):
    return b"\x04" + number(n)


def user_row(username="alice", name=None, email="alice@example.com", created="2000", updated="2000",
             last_seen="2000", status="active", login_type="password", roles=("member",), avatar=None):
    o = lambda v, f: none() if v is None else some(f(v))
    return (o(username, text) + o(name, text) + o(email, text) + o(created, time) + o(updated, time)
            + o(last_seen, time) + o(status, lambda s: label("USER_STATUS", s))
            + o(login_type, lambda s: label("LOGIN_TYPES", s)) + bytes([len(roles)])
            + b"".join(label("ROLES", r) for r in roles) + o(avatar, text))


def org_row(name="coder", display=None, icon=None):
    o = lambda v: none() if v is None else some(text(v))
    return o(name) + o(display) + o(icon)


def joined(users=(), orgs=()):
    """users: (which, user_row bytes) with which 0 row user, 1 owner, 2 alice, or a uuid; orgs: (None for
    the row's organization or a uuid, org_row bytes)."""
    out = bytes([len(users)])
    for which, row in users:
        out += (bytes([which]) if isinstance(which, int) else bytes([3]) + uuid(which)) + row
    out += bytes([len(orgs)])
    for which, row in orgs:
        out += (b"\x00" if which is None else b"\x01" + uuid(which)) + row
    return out


def audit(id="nil", request_id="nil", t="2000", ip_=None, user_agent=None, rtype="workspace", resource_id="nil",
          target=b"\x00", icon=b"\x00", action="create", diff=None, code=200, af=None, org="nil", user="nil",
          deleted=False, link=b"\x00", j=b""):
    return (b"\x00" + uuid(id) + uuid(request_id) + time(t) + (none() if ip_ is None else some(ip(ip_)))
            + (none() if user_agent is None else some(user_agent)) + label("RESOURCE_TYPES", rtype)
            + uuid(resource_id) + target + icon + label("ACTIONS", action) + (diff or diff_obj())
            + status(code) + (af or af_null()) + uuid(org) + uuid(user) + bytes([int(deleted)]) + link + j)


def conn(mode, kind, id="nil", t="2000", org="org", owner="alice", ws="nil", ws_name=b"\x00", agent=b"\x00",
         ip_=None, code=None, user_agent=None, user=None, slug=None, connection_id=None, disconnect=None,
         reason=None, session=None, j=b""):
    o = lambda v, f: none() if v is None else some(f(v))
    slug_b = none() if slug is None else some(bytes([0]) + idx("APP_NAMES", slug) if slug in L["APP_NAMES"]
                                              else bytes([2]) + text(slug))
    return (bytes([mode]) + uuid(id) + time(t) + uuid(org) + uuid(owner) + uuid(ws) + ws_name + agent
            + o(ip_, ip) + label("TYPES" if mode == 1 else "METHODS", kind) + o(code, status)
            + (none() if user_agent is None else some(user_agent)) + o(user, uuid) + slug_b + o(connection_id, uuid)
            + o(disconnect, time) + (none() if reason is None else some(reason))
            + (none() if session is None else some(session)) + j)


TYPES, METHODS = 1, 2
ID = "6b8f2c3a-1111-4222-8333-444455556666"
ALICE_ROW = user_row()

SEEDS = {
    # ---------------------------------------------------------------- audit logs
    "audit-zero": b"\x00",
    "audit-full": audit(id=ID, request_id=ID, t=1_000_000, ip_=("v4", [10, 0, 0, 1]), user_agent=text("coder"),
                        target=text("dev"), icon=text("/icon.svg"), org="org", user="alice", link=text("/@alice/dev"),
                        af=af_obj(("workspace_name", af_text("dev")), ("build_number", af_text("7")),
                                  ("workspace_id", af_uuid())),
                        j=joined(users=[(0, ALICE_ROW)], orgs=[(None, org_row("coder", "Coder", "/o.png"))])),
    "audit-time-minus-infinity": audit(t="-inf"),
    "audit-time-infinity": audit(t="inf"),
    "audit-time-4713bc": audit(t="pg_min"),
    "audit-time-294276ad": audit(t="pg_max"),
    "audit-time-go-ends": audit(t="go_min", user="alice",
                                j=joined(users=[(0, user_row(created="go_max", updated="go_end", last_seen="go_min-1"))])),
    "audit-user-times-infinite": audit(user="alice", j=joined(users=[(0, user_row(created="-inf", updated="inf",
                                                                                  last_seen="pg_min"))])),
    "audit-ip-mapped": audit(ip_="::ffff:1.2.3.4"),
    "audit-ip-compat": audit(ip_="::0.2.0.3"),
    "audit-ip-v6": audit(ip_=("v6", list(range(16)))),
    "audit-ip-mask": audit(ip_=("v4mask", [192, 168, 1, 16], 24)),
    "audit-ip-zone": audit(ip_="fe80::1%eth0"),
    "audit-unknown-labels": audit(rtype="carrier_pigeon", action="frozen",
                                  af=af_obj(("build_reason", af_reason("carrier_pigeon")))),
    "audit-idp-sync-prefix": audit(rtype="idp_sync_settings_", action="write"),
    "audit-status-extremes": audit(code=-2**31, action="login", rtype="api_key"),
    "audit-status-max": audit(code=2**31 - 1, action="request_password_reset", rtype="user"),
    "audit-redirect": audit(code=303, rtype="git_ssh_key", action="delete"),
    "audit-chat-archived": audit(rtype="chat", action="write", diff=diff_obj(("archived", field_archived(False, True)))),
    "audit-chat-sharing": audit(rtype="chat", action="write",
                                diff=diff_obj(("user_acl", field(("new", j_obj()))), ("group_acl", field_any(j_null())))),
    "audit-diff-deep": audit(diff=diff_obj(("name", field(("new", j_deep(2000, 2, j_num("u64max"))))))),
    "audit-diff-deep-array": audit(diff=diff_any(j_deep(1500, 0, j_str("é")))),
    "audit-diff-numbers": audit(diff=diff_obj(
        ("a", field(("old", j_num("u64max")), ("new", j_num("i64min")))),
        ("A", field(("old", j_num("1e308")), ("new", j_num("-f64max")))),
        ("ttl", field(("old", j_num("5e-324")), ("new", j_num("-0")), ("secret", True))))),
    "audit-diff-case-keys": audit(diff=diff_obj(
        ("name", field(("OLD", j_str("a")), ("New", j_str("b")), ("Secret", True))),
        ("ſecret", field(("ſecret", True), ("oLd", j_null()))))),
    "audit-diff-not-object": audit(diff=diff_any(j_arr(j_num("0"), j_bool(True)))),
    "audit-diff-null": audit(diff=diff_null()),
    "audit-diff-odd-fields": audit(diff=diff_obj(("", field_any(j_str("x"))), (" ", field(("secret", j_str("yes")))),
                                                 ("\u2028", field(("", j_null()), ("extra", j_num("f64minpos")))))),
    "audit-af-urn-byte9": audit(af=af_obj(("workspace_id", af_uuid("urn", edit=("replace", "é", 8))),
                                          ("workspace_name", af_text("ws")))),
    "audit-af-braces-4byte": audit(af=af_obj(("workspace_id", af_uuid("braces", edit=("replace", "😀", 34))))),
    "audit-af-simple-3byte": audit(af=af_obj(("workspace_id", af_uuid("simple", edit=("replace", "\u2028", 29))))),
    "audit-af-canonical-insert": audit(af=af_obj(("Workspace_ID", af_uuid("canonical", edit=("insert", "\u0301", 36))))),
    "audit-af-uuid-forms": audit(af=af_obj(("workspace_id", af_uuid("URN")), ("WORKSPACE_NAME", af_text("x")),
                                           ("workspace_name", af_text("y")), ("Build_Number", af_num("u64max")))),
    "audit-af-fold-keys": audit(af=af_obj(("workſpace_name", af_num("0")), ("wor\u212aspace_id", af_text("nope")),
                                          ("workspace_owner", af_text("\u202eabc")))),
    "audit-af-not-object": audit(af=af_any(j_str("x"))),
    "audit-af-deep": audit(af=af_obj(("extra", af_json(j_arr(j_obj(("", j_num("f64max")))))))),
    "audit-text-unicode": audit(user_agent=concat(text("\u2028"), text("e\u0301"), text("\u0085")),
                                target=repeat("😀", 1000), icon=text("\u0001\u007f\u009f"), link=text("\U0010ffff")),
    "audit-user-nulls": audit(user="alice", org="org",
                              j=joined(users=[(0, user_row(None, None, None, None, None, None, None, None, ("custom", "owner")))],
                                       orgs=[(None, org_row(None))])),
    "audit-user-unseen": audit(user="alice", j=joined(users=[(0, user_row(status="frozen", login_type="carrier_pigeon",
                                                                          name="Alice", avatar="/a.png"))])),
    "audit-user-missing": audit(user="bob", org="max", j=joined(users=[(2, ALICE_ROW)])),
    # ---------------------------------------------------------------- connection logs, Coder G1/G2 (types)
    "conn-ssh": conn(TYPES, "ssh", connection_id="alice", disconnect="2000", code=0, reason=text("closed")),
    "conn-vscode-infinite": conn(TYPES, "vscode", t="-inf", disconnect="inf", code=-2**31, reason=text("")),
    "conn-jetbrains": conn(TYPES, "jetbrains", ip_="::1", j=joined(users=[(1, ALICE_ROW)])),
    "conn-web-zero-user": conn(TYPES, "workspace_app", user="bob", slug="8080", code=2**31 - 1, user_agent=text("Mozilla")),
    "conn-web-user": conn(TYPES, "port_forwarding", user="alice", slug="8080", j=joined(users=[(0, ALICE_ROW)])),
    "conn-tunnel-anonymous": conn(TYPES, "tunnel", ip_=("mapped", [1, 2, 3, 4])),
    "conn-unknown-type": conn(TYPES, "carrier_pigeon", slug="vscode"),
    "conn-types-session": conn(TYPES, "ssh", session=text("s-1")),
    "conn-ip-garbage": conn(TYPES, "reconnecting_pty", ip_="1.2.3.4/24"),
    # ---------------------------------------------------------------- connection logs, Coder G3 (methods)
    "g3-ssh-cursor": conn(METHODS, "ssh", slug="cursor", disconnect="go_zero", session=text("s-1")),
    "g3-ssh-pycharm": conn(METHODS, "ssh", slug="pycharm", j=joined(users=[(1, ALICE_ROW)])),
    "g3-ssh-unnormalised": conn(METHODS, "ssh", slug="Cursor"),
    "g3-ssh-dash": conn(METHODS, "ssh", slug="code-server"),
    "g3-ssh-separator": conn(METHODS, "ssh", slug="a\u2028b"),
    "g3-pty": conn(METHODS, "reconnecting_pty", slug="reconnecting_pty", code=1),
    "g3-web": conn(METHODS, "workspace_app", slug="code_server", user="alice", j=joined(users=[(0, ALICE_ROW)])),
    "g3-tunnel": conn(METHODS, "tunnel", session=text("")),
    "g3-unknown-method": conn(METHODS, "carrier_pigeon", slug="x"),
    "g3-vscode-method": conn(METHODS, "vscode", slug="cursor"),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("seed-*"):
        old.unlink()
    for name, data in SEEDS.items():
        (OUT / f"seed-{name}").write_bytes(data)
    print(f"{len(SEEDS)} seeds in {OUT}")


if __name__ == "__main__":
    main()
