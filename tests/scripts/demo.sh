#!/usr/bin/env bash
# The demo: a throwaway PostgreSQL 15 cluster on 127.0.0.1 with the Coder-shaped fixture (ROWS audit rows,
# default 100000, plus the AI-seat rows a recent Coder writes) and audit_ext installed, then the product's real
# job, each call with its real output, in a 120-column terminal: the audit page Coder's UI asks for, an auditor's
# psql view with RBAC, capped counts, a connection-log page, AI seats, index advice, and a short timing of
# audit_ext against Coder's own query shapes on the same data. The cluster keeps running so you can explore it;
# the last lines say how to connect and how to stop it. Re-running starts from scratch; a failure stops the
# cluster it started.
#   demo.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
case "$rows" in '' | *[!0-9]*) echo "demo: ROWS must be a whole number, got '$rows'" >&2; exit 2 ;; esac
bash tests/scripts/setup.sh
echo "demo: building audit_ext (release: a few minutes the first time) and loading $rows audit rows (~10 s per 100k)..."
trap 'echo "demo: failed; stopping the demo cluster" >&2; bash tests/scripts/cluster.sh stop demo' ERR
port=$(bash tests/scripts/fixture_db.sh demo coder "$rows" --release)
psql=(psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d coder -P pager=off -P format=wrapped -P columns=118)
"${psql[@]}" -q -f tests/fixture/seed_recent.sql -f tests/bench/coder.sql -c "VACUUM ANALYZE" >/dev/null

section() { printf '\n\033[1m== %s\033[0m\n' "$1"; }
run() { # a statement, then its real output; `run -x`: one column per line (psql's \x); `run -j`: the value alone
  local opts=()
  case "$1" in -x) opts=(-x); shift ;; -j) opts=(-A -t); shift ;; esac
  echo "coder=# $1"
  "${psql[@]}" "${opts[@]}" -c "$1"
}
owner="md5('user1')::uuid"   # site owner
auditor="md5('user8')::uuid" # organization-auditor of org-09

section "Which Coder this is (read from the catalog on every call)"
run "SELECT audit_ext.version(), audit_ext.coder_schema_profile() ->> 'generation' AS coder_schema;"

section "The audit page Coder's UI asks for (GET /api/v2/audit?limit=25), as the owner: count, count_cap, entry 1"
run -j "SELECT jsonb_pretty(jsonb_build_object('count', p -> 'count', 'count_cap', p -> 'count_cap',
       'entries', jsonb_array_length(p -> 'audit_logs'), 'audit_logs[0]', p -> 'audit_logs' -> 0)) AS response
FROM audit_ext.audit_logs('', $owner, 25) p;"

section "An auditor in psql: the same filter for an organization auditor, then for the owner (RBAC)"
run "SELECT audit_ext.readable_organizations($auditor) AS auditor_reads, audit_ext.readable_organizations($owner) AS owner_reads;"
run -x "SELECT time, username, description, organization, status_code, resource_link
FROM audit_ext.search_audit_logs('workspace action:delete', $auditor, 2);"
run -x "SELECT time, username, description, organization, status_code, resource_link
FROM audit_ext.search_audit_logs('workspace action:delete', $owner, 2);"

section "Coder's capped count (stops after 2001 rows), and an exact one"
run "SELECT audit_ext.count_audit_logs('', $owner) AS capped,
       audit_ext.count_audit_logs('', $owner, 0) AS exact,
       audit_ext.count_audit_logs('', $auditor, 0) AS auditor_exact;"

section "A bad filter: Coder's validations, as an API layer answers HTTP 400 with them"
run "SELECT e ->> 'field' AS field, e ->> 'detail' AS detail
FROM jsonb_array_elements(audit_ext.audit_query_errors('resource_type:spaceship colour:red date_to:tomorrow')) e;"

section "A connection-log page (GET /api/v2/connectionlog), as psql rows"
run "SELECT connect_time::timestamp(0) AS connected, connection_method AS method, app_name, workspace_owner AS owner,
       workspace_name AS workspace, status, code
FROM audit_ext.search_connection_logs('', $owner, 6);"

section "AI seats: who holds one and why (Coder's ai_seat_state rule), and the seat total"
run "SELECT s.username, s.has_ai_seat, s.reason, u.status, u.deleted
FROM audit_ext.user_ai_seats(ARRAY(SELECT user_id FROM ai_seat_state ORDER BY last_used_at DESC LIMIT 6)) s
JOIN users u ON u.id = s.user_id;"
run "SELECT audit_ext.count_ai_seat_users() AS seats, audit_ext.count_ai_seat_users(source => 'usage') AS by_usage;"

section "Index advice: what this database lacks (run it with psql's \\gexec)"
run "SELECT count(*) AS advised FROM audit_ext.index_advice();"
run "SELECT regexp_replace(a, '^-- serves .*\\nCREATE INDEX CONCURRENTLY IF NOT EXISTS (\\S+) ON \\S+ ', '\\1 ') AS index
FROM audit_ext.index_advice() a LIMIT 6;"

section "audit_ext against Coder's own query shapes on these rows (median of 5 warm runs, ms)"
run "SELECT s.name AS scenario,
       bench.median_ms(c.count_sql, 5) + bench.median_ms(c.page_sql, 5) AS coder_sql,
       bench.median_ms(format('SELECT bench.coder_audit_lookups(%L)', c.page_sql), 5) AS coder_per_row_lookups,
       bench.median_ms(format('SELECT audit_ext.audit_logs(%L, %L, 100)', s.q, s.actor), 5) AS audit_ext_call
FROM (VALUES ('owner, no filter', '', '{}'::jsonb, $owner, NULL::uuid[]),
             ('owner, workspace action:delete', 'workspace action:delete',
              '{\"resource_type\": \"workspace\", \"action\": \"delete\"}', $owner, NULL),
             ('auditor, no filter', '', '{}', $auditor, ARRAY[md5('org9')::uuid])) s(name, q, f, actor, orgs),
     LATERAL (SELECT bench.coder_audit('count', s.f, s.orgs, 100, 0, 2000) AS count_sql,
                     bench.coder_audit('page', s.f, s.orgs, 100, 0, 2000) AS page_sql) c;"
echo "(Coder's page costs its count and page SQL plus one to three look-ups per row for is_deleted and resource_link;"
echo " audit_ext's one call returns the whole JSON response. make bench ROWS=… runs every scenario at scale.)"
trap - ERR
cat <<MSG

The demo cluster is running on 127.0.0.1:$port (data in /tmp/audit_ext/demo).
  connect:  psql -h 127.0.0.1 -p $port -U postgres coder
  stop:     make demo-stop      (or: bash tests/scripts/cluster.sh stop demo)
MSG
