#!/usr/bin/env bash
# The demo: a throwaway PostgreSQL 15 cluster on 127.0.0.1 with the Coder-shaped fixture (ROWS audit rows,
# default 100000) and audit_ext installed, then real output of the extension's functions. The cluster keeps
# running so you can explore it; the last lines say how to connect and how to stop it.
#   demo.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
case "$rows" in ''|*[!0-9]*) echo "demo: ROWS must be a whole number, got '$rows'" >&2; exit 2 ;; esac
bash tests/scripts/setup.sh
echo "demo: building audit_ext and loading $rows audit rows (about 10 s per 100k rows)..."
port=$(bash tests/scripts/fixture_db.sh demo coder "$rows")
trap 'echo "demo: failed; stopping the demo cluster" >&2; bash tests/scripts/cluster.sh stop demo' ERR
psql=(psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d coder)

run() { # show a statement and its real output
  echo; echo "coder=# $1"; "${psql[@]}" -c "$1"
}
run "SELECT audit_ext.version();"
run "SELECT count(*) AS audit_rows, count(DISTINCT organization_id) AS organizations FROM audit_logs;"
run "SELECT jsonb_pretty(audit_ext.parse_audit_query('workspace_build action:start build_reason:autostart organization:coder date_from:2026-01-01'));"
run "SELECT audit_ext.audit_query_errors('resource_type:spaceship colour:red date_to:tomorrow');"
echo; echo "coder=# SELECT audit_ext.parse_connection_query('type:telnet');   -- a bad filter raises 22023"
"${psql[@]}" -c "SELECT audit_ext.parse_connection_query('type:telnet');" 2>&1 | sed 's/^/  /' || true
run "SELECT audit_ext.audit_predicate('workspace action:delete date_from:2026-05-01', md5('user8')::uuid) AS org_auditor_clause;"
run "SELECT audit_ext.readable_organizations(md5('user1')::uuid) AS owner, audit_ext.readable_organizations(md5('user8')::uuid) AS org_auditor, audit_ext.readable_organizations(md5('user10')::uuid) AS member;"
run "SELECT log, key, value FROM audit_ext.filter_keys() WHERE log = 'connection';"
trap - ERR
cat <<MSG

The demo cluster is running on 127.0.0.1:$port (data in /tmp/audit_ext/demo).
  connect:  psql -h 127.0.0.1 -p $port -U postgres coder
  stop:     make demo-stop      (or: bash tests/scripts/cluster.sh stop demo)
MSG
