#!/usr/bin/env bash
# Hot standby: every read function of audit_ext runs on a streaming replica and answers exactly what the
# primary answers. Nothing in audit_ext may need a transaction id or write, so a standby must serve it all.
#   standby.sh [AUDIT_ROWS]      (default 10000)
# 1. fixture_db.sh builds and installs the extension and starts the primary "standby-primary" with the
#    Coder-shaped fixture and CREATE EXTENSION (initdb --auth=trust already allows replication connections
#    from 127.0.0.1; wal_level=replica and max_wal_senders=10 are PostgreSQL's defaults).
# 2. pg_basebackup -R -X stream, as postgres, into /tmp/audit_ext/standby-replica/data; the replica starts on
#    its own free port (hot_standby=on) and is waited for until it has replayed the primary's WAL.
# 3. Each check runs one call on both servers (psql -At on stdin, errors included, VERBOSITY verbose) and
#    compares the output byte for byte; a call must succeed on both (or, for the bad-filter checks, fail on
#    both with the same SQLSTATE and text). The replica must say pg_is_in_recovery() = t and
#    transaction_read_only = on, and refuse a write and a transaction id (25006): so any function that wrote
#    or took a transaction id would fail its check.
# 4. New audit and connection rows are inserted on the primary; once replayed, the replica's counts and first
#    page must follow.
# 5. Coder's migrations (shared/spec/coder-generations.md) reach a replica session that stays open: a psql
#    session on the replica (a coprocess, one backend throughout) answers every read function at G1; then
#    index_advice() is applied on the primary, and tests/fixture/g2.sql + seed_recent.sql, then g3.sql +
#    seed_recent.sql run on the primary (psql -f, as fixture_db.sh runs them); after each, once replayed, the same
#    replica session (same pid) answers every read function exactly as a fresh primary session does, and
#    coder_schema_profile() there names the new generation. (Event triggers do not fire on a standby: only
#    in-process invalidation sees replayed catalog changes.)
# Prints one line per check, then "N passed, M failed"; exits non-zero on any failure. Both clusters are
# stopped on exit, whatever happens. Run as root (servers run as postgres) or as postgres.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=/usr/lib/postgresql/15/bin
ROOT=${AUDIT_EXT_CLUSTER_ROOT:-/tmp/audit_ext}
PRIMARY=standby-primary; REPLICA=standby-replica; DB=audit_ext_standby
rows=${1:-10000}
case "$rows" in ''|*[!0-9]*) echo "standby: AUDIT_ROWS must be a whole number, got '$rows'" >&2; exit 2 ;; esac
rdir=$ROOT/$REPLICA
started=$(date +%s)

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cleanup() {
  bash tests/scripts/cluster.sh stop "$REPLICA" || true
  bash tests/scripts/cluster.sh stop "$PRIMARY" || true
}
trap cleanup EXIT
die() { echo "standby: $*" >&2; exit 1; }

# --- primary ------------------------------------------------------------------------------------------------
echo "== primary: build, install, fixture with $rows audit rows"
if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres "$ROOT"; else mkdir -p "$ROOT"; fi
bash tests/scripts/cluster.sh stop "$REPLICA" || true
pport=$(bash tests/scripts/fixture_db.sh "$PRIMARY" "$DB" "$rows" 2>"$ROOT/standby-setup.log") \
  || { cat "$ROOT/standby-setup.log" >&2; die "could not start the primary"; }

export PGTZ=UTC PGCONNECT_TIMEOUT=10
psql_on() { # port, then psql arguments
  local port=$1; shift
  psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h 127.0.0.1 -p "$port" -U postgres -d "$DB" "$@"
}
P() { psql_on "$pport" "$@"; }
# Coder's ai_seat_state rows (tests/fixture/seed_recent.sql; fixture_db.sh adds them from G2 on), so that the
# default AI seat rule has rows to read at G1 too.
P -f tests/fixture/seed_recent.sql >/dev/null || die "seed_recent.sql failed on the primary"

# --- replica ------------------------------------------------------------------------------------------------
echo "== replica: pg_basebackup -R -X stream"
rm -rf "$rdir"
as_pg mkdir -p "$rdir"
as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$rdir/data" -R -X stream -c fast \
  >"$rdir/basebackup.log" 2>&1 || { cat "$rdir/basebackup.log" >&2; die "pg_basebackup failed"; }
base=$(( 55400 + $(printf '%s' "$REPLICA" | cksum | cut -d' ' -f1) % 400 ))
rport=$base
while port_in_use "$rport" || [ "$rport" = "$pport" ]; do
  rport=$((rport + 1)); [ "$rport" -lt $((base + 200)) ] || die "no free port near $base"
done
as_pg env RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 "$BIN/pg_ctl" -D "$rdir/data" -l "$rdir/log" -w -t 60 \
  -o "-p $rport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$rdir -c timezone=UTC -c fsync=off -c hot_standby=on" \
  start >/dev/null || { tail -n 20 "$rdir/log" >&2; die "the replica did not start"; }
echo "$rport" | as_pg tee "$rdir/port" >/dev/null
R() { psql_on "$rport" "$@"; }
echo "primary 127.0.0.1:$pport, replica 127.0.0.1:$rport"

wait_replay() { # until the replica has replayed everything the primary has written so far
  local lsn; lsn=$(P -c "SELECT pg_current_wal_lsn()") || return 1
  for _ in $(seq 1 300); do
    [ "$(R -c "SELECT coalesce(pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn, false)" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  echo "standby: the replica did not replay up to $lsn within 30 s" >&2; return 1
}
wait_replay || die "replication is not working; see $rdir/log"

# --- checks -------------------------------------------------------------------------------------------------
pass=0; fail=0
ok()  { pass=$((pass + 1)); printf 'ok    %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL  %s\n' "$1"; shift; [ $# -eq 0 ] || printf '      %s\n' "$@"; }

same() { # name sql: succeeds on both, identical output on both
  local name=$1 sql=$2 po ro prc rrc
  po=$(P <<<"$sql" 2>&1); prc=$?
  ro=$(R <<<"$sql" 2>&1); rrc=$?
  if [ $prc -ne 0 ] || [ $rrc -ne 0 ]; then
    bad "$name" "primary rc=$prc: $(head -c 300 <<<"$po")" "replica rc=$rrc: $(head -c 300 <<<"$ro")"
  elif [ "$po" != "$ro" ]; then
    bad "$name" "outputs differ (primary $(wc -l <<<"$po") lines, md5 $(md5sum <<<"$po" | cut -c1-12); replica $(wc -l <<<"$ro") lines, md5 $(md5sum <<<"$ro" | cut -c1-12))"
    diff <(echo "$po") <(echo "$ro") | head -n 10 | sed 's/^/      /'
  elif [ -z "$po" ]; then
    bad "$name" "empty output on both"
  else
    ok "$name ($(wc -l <<<"$po") lines, md5 $(md5sum <<<"$po" | cut -c1-12))"
  fi
}

same_error() { # name sql sqlstate: fails on both with this SQLSTATE and the same text
  local name=$1 sql=$2 state=$3 po ro prc rrc
  po=$(P <<<"$sql" 2>&1); prc=$?
  ro=$(R <<<"$sql" 2>&1); rrc=$?
  if [ $prc -eq 0 ] || [ $rrc -eq 0 ]; then
    bad "$name" "expected $state; primary rc=$prc, replica rc=$rrc"
  elif [ "$po" != "$ro" ]; then
    bad "$name" "error texts differ" "primary: $(head -n1 <<<"$po")" "replica: $(head -n1 <<<"$ro")"
  elif ! grep -q "^ERROR:  $state:" <<<"$po"; then
    bad "$name" "not $state: $(head -n1 <<<"$po")"
  else
    ok "$name ($state on both)"
  fi
}

expect() { # name actual expected
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1" "got '$2', expected '$3'"; fi
}

owner="md5('user1')::uuid"          # admin: site owner, reads everything
site_auditor="md5('user2')::uuid"   # auditor: site auditor
org_admin="md5('user7')::uuid"      # organization-admin of one organization
org_auditor="md5('user8')::uuid"    # organization-auditor of one organization
custom_role="md5('user9')::uuid"    # the custom org role log-reader
member="md5('user10')::uuid"        # organization member only: reads nothing
ids100="ARRAY(SELECT md5('user' || u)::uuid FROM generate_series(1, 100) u)"

echo "== the replica is a hot standby"
expect "replica: pg_is_in_recovery()" "$(R -c 'SELECT pg_is_in_recovery()' 2>&1)" t
expect "primary: pg_is_in_recovery()" "$(P -c 'SELECT pg_is_in_recovery()' 2>&1)" f
expect "replica: transaction_read_only" "$(R -c 'SHOW transaction_read_only' 2>&1)" on
expect "replica: extension present" "$(R -c "SELECT extversion FROM pg_extension WHERE extname = 'audit_ext'" 2>&1)" \
  "$(P -c "SELECT extversion FROM pg_extension WHERE extname = 'audit_ext'" 2>&1)"
# Negative controls: anything that writes or takes a transaction id fails here, so a function that did would
# fail its check below.
expect "replica: writes refused (25006)" \
  "$(R -c 'CREATE TEMP TABLE standby_probe (x int)' 2>&1 | grep -o '^ERROR:  [0-9A-Z]*' | head -n1)" "ERROR:  25006"
expect "replica: transaction id refused (25006)" \
  "$(R -c 'SELECT txid_current()' 2>&1 | grep -o '^ERROR:  [0-9A-Z]*' | head -n1)" "ERROR:  25006"
# The purge functions, the only ones that write, belong on the primary: the replica refuses them cleanly.
expect "replica: purge_audit_logs refused (25006)" \
  "$(R -c "SELECT audit_ext.purge_audit_logs('2000-01-01', 10)" 2>&1 | grep -o '^ERROR:  [0-9A-Z]*' | head -n1)" "ERROR:  25006"

# Every read function, as (name, sql) pairs given to the checker $S (output must be equal) or $E (the same error
# on both): same/same_error below, follow/follow_error in the migration section.
read_checks() {
  local S=$1 E=$2
  $S "version" "SELECT audit_ext.version()"
  $S "filter_keys" "SELECT * FROM audit_ext.filter_keys()"
  $S "parse_audit_query" \
    "SELECT audit_ext.parse_audit_query('workspace_build action:start build_reason:autostart organization:coder date_from:2026-01-01 date_to:2026-03-31')"
  $S "parse_connection_query" \
    "SELECT audit_ext.parse_connection_query('type:ssh status:ongoing workspace_owner:bob17 connected_after:\"2026-01-01T00:00:00Z\"')"
  $E "parse_audit_query (bad filter)" "SELECT audit_ext.parse_audit_query('resource_type:spaceship')" 22023
  $E "parse_connection_query (bad filter)" "SELECT audit_ext.parse_connection_query('type:telnet')" 22023
  $S "audit_query_errors" "SELECT audit_ext.audit_query_errors('resource_type:spaceship colour:red date_to:tomorrow')"
  $S "connection_query_errors" "SELECT audit_ext.connection_query_errors('type:telnet status:maybe')"

  $S "count_audit_logs (no actor, exact)" "SELECT audit_ext.count_audit_logs('', NULL, 0)"
  $S "count_audit_logs (capped)" "SELECT audit_ext.count_audit_logs('workspace_build')"
  $S "count_audit_logs (owner, filters)" \
    "SELECT audit_ext.count_audit_logs('workspace_build action:start build_reason:autostart', $owner, 0)"
  $S "count_audit_logs (org auditor)" "SELECT audit_ext.count_audit_logs('action:delete', $org_auditor, 0)"
  $S "count_audit_logs (custom role, dates)" \
    "SELECT audit_ext.count_audit_logs('date_from:2026-01-01 date_to:2026-03-31', $custom_role, 0)"
  $S "count_audit_logs (member: 0)" "SELECT audit_ext.count_audit_logs('', $member, 0)"
  $S "count_audit_logs (owner, scope without audit read: 0)" \
    "SELECT audit_ext.count_audit_logs('', $owner, 0, '{workspace:read}')"
  $S "count_connection_logs (no actor)" "SELECT audit_ext.count_connection_logs('type:ssh', NULL, 0)"
  $S "count_connection_logs (org admin)" "SELECT audit_ext.count_connection_logs('status:completed', $org_admin, 0)"

  $S "audit_logs (owner, username)" "SELECT audit_ext.audit_logs('workspace_build username:alice32', $owner, 25)"
  $S "audit_logs (org auditor, offset)" "SELECT audit_ext.audit_logs('action:delete', $org_auditor, 50, 10)"
  $S "audit_logs (site auditor, email, scopes)" \
    "SELECT audit_ext.audit_logs('email:CAROL18@example.com', $site_auditor, 100, 0, 2000, '{audit_log:read}')"
  $S "audit_logs (no actor, date range)" \
    "SELECT audit_ext.audit_logs('date_from:2026-02-01 date_to:2026-02-28', NULL, 100)"
  $S "audit_logs (member: empty page)" "SELECT audit_ext.audit_logs('', $member, 10)"
  $S "connection_logs (no actor, type)" "SELECT audit_ext.connection_logs('type:ssh', NULL, 25)"
  $S "connection_logs (org auditor, ongoing)" "SELECT audit_ext.connection_logs('status:ongoing', $org_auditor, 25)"
  $S "connection_logs (owner, me)" "SELECT audit_ext.connection_logs('workspace_owner:me', md5('user17')::uuid, 10)"
  $S "search_audit_logs (org auditor)" "SELECT * FROM audit_ext.search_audit_logs('action:delete', $org_auditor, 20)"
  $S "search_audit_logs (owner, build_reason)" \
    "SELECT * FROM audit_ext.search_audit_logs('build_reason:autostart', $owner, 20, 5)"
  $S "search_connection_logs (no actor)" \
    "SELECT * FROM audit_ext.search_connection_logs('type:workspace_app', NULL, 20)"
  $S "search_connection_logs (custom role)" \
    "SELECT * FROM audit_ext.search_connection_logs('', $custom_role, 20)"

  $S "audit_predicate (no actor)" "SELECT audit_ext.audit_predicate('username:bob17 action:login date_from:2026-01-01')"
  $S "audit_predicate (org auditor)" "SELECT audit_ext.audit_predicate('action:delete', $org_auditor)"
  $S "audit_predicate rows" \
    "SELECT format('SELECT count(*) FROM audit_logs WHERE %s', audit_ext.audit_predicate('workspace_build action:start', $org_auditor)) \\gexec"
  $S "connection_predicate (org auditor)" \
    "SELECT audit_ext.connection_predicate('status:ongoing type:ssh', $org_auditor)"
  $S "readable_organizations (audit_log)" \
    "SELECT audit_ext.readable_organizations($org_auditor), audit_ext.readable_organizations($owner) IS NULL"
  $S "readable_organizations (connection_log)" \
    "SELECT audit_ext.readable_organizations($custom_role, 'connection_log'), audit_ext.readable_organizations($member, 'connection_log')"

  $S "get_user_ai_seat_states (default source)" "SELECT * FROM audit_ext.get_user_ai_seat_states($ids100)"
  $S "get_user_ai_seat_states (latest build)" "SELECT * FROM audit_ext.get_user_ai_seat_states($ids100, true)"
  $S "user_ai_seats (all users)" "SELECT * FROM audit_ext.user_ai_seats(NULL, false, 50)"
  $S "user_ai_seats (ids, latest build)" "SELECT * FROM audit_ext.user_ai_seats($ids100, true, 30, 10)"
  $S "count_ai_seat_users" "SELECT audit_ext.count_ai_seat_users(), audit_ext.count_ai_seat_users(true)"
  $S "ai_seat_states_sql" "SELECT audit_ext.ai_seat_states_sql(true)"
  $S "index_advice" "SELECT count(*) || ' advised', string_agg(a, E'\n' ORDER BY a) FROM audit_ext.index_advice() a"

  $S "no transaction id taken (read-only transaction, all kinds of call)" "BEGIN READ ONLY;
  SELECT audit_ext.count_audit_logs('action:delete', $org_auditor) > 0,
         jsonb_array_length(audit_ext.audit_logs('', $owner, 5)->'audit_logs'),
         jsonb_array_length(audit_ext.connection_logs('', $custom_role, 5)->'connection_logs'),
         (SELECT count(*) FROM audit_ext.search_audit_logs('', $site_auditor, 5)),
         audit_ext.count_ai_seat_users() > 0,
         txid_current_if_assigned() IS NULL;
  COMMIT;"
  $S "coder_schema_profile" "SELECT audit_ext.coder_schema_profile()"
  $S "get_user_ai_seat_states (every source)" "SELECT s, l, array_agg(u ORDER BY ord) FROM (VALUES (NULL, false), (NULL, true), ('state', false), ('usage', false), ('usage', true)) r(s, l), LATERAL audit_ext.get_user_ai_seat_states($ids100, r.l, r.s) WITH ORDINALITY AS t(u, ord) GROUP BY 1, 2 ORDER BY 1, 2"
  $S "user_ai_seats (source state / usage)" "SELECT * FROM audit_ext.user_ai_seats($ids100, false, 100, 0, 'state') UNION ALL SELECT * FROM audit_ext.user_ai_seats(NULL, false, 100, 0, 'usage')"
  $S "count_ai_seat_users (every source)" "SELECT audit_ext.count_ai_seat_users(false, 'state'), audit_ext.count_ai_seat_users(false, 'usage'), audit_ext.count_ai_seat_users(true, 'usage')"
  $S "connection_logs (newest, every kind)" "SELECT audit_ext.connection_logs('connected_after:\"2026-05-31T00:00:00Z\"', $owner, 200)"
  $S "search_connection_logs (vscode)" "SELECT * FROM audit_ext.search_connection_logs('type:vscode', $org_auditor, 50)"
  $S "count_connection_logs (every type)" "SELECT t, audit_ext.count_connection_logs('type:' || t, NULL, 0) FROM unnest('{ssh,vscode,jetbrains,reconnecting_pty,workspace_app,port_forwarding}'::text[]) t"

  # 0.4.0: keyset pages, exports, the extended dialect.
  $S "audit_logs (keyset, two pages)" "SELECT p2 FROM (SELECT audit_ext.audit_logs('action:delete', $org_auditor, 30, after => '')->>'next_after' AS c) x, LATERAL (SELECT audit_ext.audit_logs('action:delete', $org_auditor, 30, after => x.c) AS p2) y"
  $S "connection_logs (keyset)" "SELECT audit_ext.connection_logs('type:ssh', NULL, 20, after => '')"
  $S "export_audit_logs (org auditor)" "SELECT count(*), md5(string_agg(id::text, ',')) FROM audit_ext.export_audit_logs('action:delete,create', $org_auditor, dialect => 'extended')"
  $S "export_connection_logs (custom role)" "SELECT count(*), md5(string_agg(id::text, ',')) FROM audit_ext.export_connection_logs('', $custom_role)"
  $S "extended dialect (count, predicate, parse)" "SELECT audit_ext.count_audit_logs('-action:login status_code:>=400 ip:10.0.0.0/8', $owner, 0, dialect => 'extended'), audit_ext.audit_predicate('resource_type:workspace,template -username:bob17', $org_auditor, dialect => 'extended'), audit_ext.parse_connection_query('-type:ssh ip:192.168.0.0/16', 'extended')"
  $E "audit_logs (bad cursor)" "SELECT audit_ext.audit_logs('', NULL, 10, after => 'x')" 22023
}

echo "== every read function, primary vs replica"
read_checks same same_error

# --- the replica follows the primary ----------------------------------------------------------------------
echo "== new rows on the primary reach the replica"
before=$(R -c "SELECT audit_ext.count_audit_logs('', NULL, 0) || ' ' || audit_ext.count_connection_logs('', NULL, 0)")
P -c "INSERT INTO audit_logs (id, \"time\", user_id, organization_id, ip, user_agent, resource_type, resource_id,
                              resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
      SELECT md5('standby-audit' || i)::uuid, '2026-06-01 00:00:00+00'::timestamptz + i * interval '1 second',
             md5('user1')::uuid, md5('org1')::uuid, ('10.9.9.' || i)::inet, 'standby.sh', 'template',
             md5('tpl1-1')::uuid, 'docker', 'write', '{}', 200, '{}', md5('standby-req' || i)::uuid, ''
        FROM generate_series(1, 3) i;
      INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id,
                                   workspace_name, agent_name, type, ip, connection_id)
      SELECT md5('standby-conn' || i)::uuid, '2026-06-01 00:00:00+00'::timestamptz + i * interval '1 second',
             organization_id, owner_id, id, name, 'main', 'ssh', '10.9.9.9', md5('standby-connid' || i)::uuid
        FROM workspaces, generate_series(1, 2) i WHERE id = md5('ws3')::uuid" 2>&1 \
  && ok "insert 3 audit and 2 connection rows on the primary" || bad "insert on the primary"
wait_replay && ok "replica replayed the insert" || bad "replay of the new rows"
read -r a0 c0 <<<"$before"
expect "replica count_audit_logs follows (+3)" "$(R -c "SELECT audit_ext.count_audit_logs('', NULL, 0)" 2>&1)" "$((a0 + 3))"
expect "replica count_connection_logs follows (+2)" "$(R -c "SELECT audit_ext.count_connection_logs('', NULL, 0)" 2>&1)" "$((c0 + 2))"
expect "replica newest audit page is the new rows" \
  "$(R -c "SELECT string_agg(e->>'id', ',') FROM jsonb_array_elements(audit_ext.audit_logs('', $owner, 3)->'audit_logs') e" 2>&1)" \
  "$(P -c "SELECT string_agg(md5('standby-audit' || i)::uuid::text, ',' ORDER BY i DESC) FROM generate_series(1, 3) i")"
same "audit_logs after the insert" "SELECT audit_ext.audit_logs('template action:write', $owner, 5)"
same "connection_logs after the insert" "SELECT audit_ext.connection_logs('status:ongoing workspace_id:' || md5('ws3')::uuid, NULL, 5)"
same "search_audit_logs after the insert" "SELECT * FROM audit_ext.search_audit_logs('username:admin', $site_auditor, 5)"

# --- a replica session open before Coder's migrations follows them ------------------------------------------
echo "== a replica session opened before Coder's migrations follows them (G1 -> G2 -> G3)"
# One psql on the replica for the rest of the run: every call below goes to the same backend.
coproc RSESS { stdbuf -oL -eL psql -X -q -At -v ON_ERROR_STOP=0 -v VERBOSITY=verbose -h 127.0.0.1 -p "$rport" \
                 -U postgres -d "$DB" 2>&1; }
rsess_pid=$RSESS_PID
rsession() { # sql → its output in the long-lived replica session (errors included)
  local line out=""
  printf '%s\n;\n\\echo __audit_ext_standby_end__\n' "$1" >&"${RSESS[1]}" || return 1
  while IFS= read -r -t 120 line <&"${RSESS[0]}"; do
    [ "$line" = "__audit_ext_standby_end__" ] && { printf '%s\n' "$out"; return 0; }
    out+="$line"$'\n'
  done
  echo "standby: no answer from the replica session within 120 s"; return 1
}
normalise() { sed -E 's/^psql:[^:]*:[0-9]+: //'; }
stage=G1
follow() { # name sql: the long-lived replica session answers as a fresh primary session does, without an error
  local name="$stage (open session): $1" sql=$2 po ro prc
  po=$(P <<<"$sql" 2>&1 | normalise); prc=$?   # pipefail: P's status
  ro=$(rsession "$sql"); ro=$(normalise <<<"$ro")   # not in a pipeline: bash closes coproc fds there
  if [ "$prc" -ne 0 ]; then
    bad "$name" "primary rc=$prc: $(head -c 300 <<<"$po")"
  elif grep -q '^ERROR:' <<<"$ro"; then
    bad "$name" "replica session: $(grep -m1 '^ERROR:' <<<"$ro" | head -c 300)"
  elif [ "$po" != "$ro" ]; then
    bad "$name" "outputs differ (primary $(wc -l <<<"$po") lines, md5 $(md5sum <<<"$po" | cut -c1-12); replica session $(wc -l <<<"$ro") lines, md5 $(md5sum <<<"$ro" | cut -c1-12))"
    diff <(echo "$po") <(echo "$ro") | head -n 10 | sed 's/^/      /'
  elif [ -z "$po" ]; then
    bad "$name" "empty output on both"
  else
    ok "$name ($(wc -l <<<"$po") lines, md5 $(md5sum <<<"$po" | cut -c1-12))"
  fi
}
follow_error() { # name sql sqlstate: the same error in the long-lived replica session as on the primary
  local name="$stage (open session): $1" sql=$2 state=$3 po ro
  po=$(P <<<"$sql" 2>&1 | normalise)
  ro=$(rsession "$sql"); ro=$(normalise <<<"$ro")   # not in a pipeline: bash closes coproc fds there
  if [ "$po" != "$ro" ]; then
    bad "$name" "error texts differ" "primary: $(head -n1 <<<"$po")" "replica session: $(head -n1 <<<"$ro")"
  elif ! grep -q "^ERROR:  $state:" <<<"$po"; then
    bad "$name" "not $state: $(head -n1 <<<"$po")"
  else
    ok "$name ($state on both)"
  fi
}
session_pid=$(rsession "SELECT pg_backend_pid()")
expect "replica session: in recovery" "$(rsession 'SELECT pg_is_in_recovery()')" t
read_checks follow follow_error
P -v ON_ERROR_STOP=0 <<<'SELECT audit_ext.index_advice() \gexec' >"$ROOT/standby-advice.log" 2>&1
expect "index_advice() applied on the primary (nothing left to advise)" "$(P -c 'SELECT count(*) FROM audit_ext.index_advice()' 2>&1)" 0
for step in "G2:g2.sql" "G3:g3.sql"; do
  stage=${step%%:*}; file=${step#*:}
  if P -f "tests/fixture/$file" -f tests/fixture/seed_recent.sql >"$ROOT/standby-$stage.log" 2>&1; then
    ok "$stage: Coder's migration $file + seed_recent.sql on the primary"
  else
    bad "$stage: Coder's migration $file on the primary" "$(grep -m3 'ERROR' "$ROOT/standby-$stage.log")"
    break
  fi
  wait_replay && ok "$stage: replica replayed the migration" || bad "$stage: replay of the migration"
  expect "$stage: same replica session (backend pid)" "$(rsession 'SELECT pg_backend_pid()')" "$session_pid"
  expect "$stage: the replica session's coder_schema_profile() generation" \
    "$(rsession "SELECT audit_ext.coder_schema_profile()->>'generation'")" "$stage"
  expect "$stage: index_advice() on the primary after the migration" \
    "$(P -c "SELECT count(*) FILTER (WHERE a LIKE '%has_ai_task%' OR a LIKE '%connection_type%') FROM audit_ext.index_advice() a" 2>&1)" 0
  read_checks follow follow_error
done
kill "$rsess_pid" 2>/dev/null || true
wait "$rsess_pid" 2>/dev/null || true

echo
echo "standby: $(( $(date +%s) - started )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
