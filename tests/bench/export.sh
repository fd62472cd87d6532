#!/usr/bin/env bash
# Deep pages and exports, side by side with Coder's offset pages (issue 23):
#   1. one page of 1,000 rows at depths 0 … ROWS/2, for the owner and for an auditor of 2 organizations: Coder's
#      page (GetAuditLogsOffset and its handler's per-row look-ups, tests/bench/coder.sql), audit_ext's offset page,
#      and audit_ext's keyset page after the row at that depth (median ms of RUNS);
#   2. exports through COPY … TO STDOUT (FORMAT csv, HEADER): rows, seconds, rows/s, the exporting backend's peak
#      private memory (RssAnon, sampled from /proc every 0.2 s; its resident size would count the shared buffers it
#      reads) and the temporary bytes it wrote (pg_stat_database), for
#      every row, one quarter, an auditor's deletes and an extended-dialect filter; beside each, Coder's way of
#      reading the same rows: 1,000-row offset pages, timed for the first and the last page only (walking them all
#      costs about their mean times the number of pages).
#   export.sh ROWS [RUNS]   (default 5 runs per page timing; PARTS=2 runs part 2 only, PARTS=1 part 1 only)
# Runs on the cluster `make bench ROWS=…` seeded (it must be running); GEN=g2 or g3 on the database `make bench
# GEN=…` migrated. It reads only.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:?usage: export.sh ROWS [RUNS]}; runs=${2:-5}
port=$(bash tests/scripts/cluster.sh port "bench-$rows") || { echo "run 'make bench ROWS=$rows' first: it seeds the cluster" >&2; exit 1; }
. tests/bench/lib.sh
db=$(bench_db)
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db")
PGOPTIONS="-c client_min_messages=warning" "${psql[@]}" -f tests/bench/coder.sql >/dev/null
owner="md5('user1')::uuid"; two_orgs="md5('user8')::uuid"
echo "audit_ext $("${psql[@]}" -At -c "SELECT audit_ext.version()"), $db, $(( rows )) audit rows, work_mem $("${psql[@]}" -At -c "SHOW work_mem")"

parts=${PARTS:-12}
if [[ $parts == *1* ]]; then
echo
echo "1. One page of 1,000 rows at a depth (median ms of $runs): Coder's offset SQL, audit_ext by offset, audit_ext after a cursor"
printf '%-22s %10s %12s %14s %12s\n' reader depth "Coder ms" "offset ms" "cursor ms"
"${psql[@]}" -At -F ' ' <<SQL | while read -r who depth coder offset cursor; do printf '%-22s %10s %12s %14s %12s\n' "$who" "$depth" "$coder" "$offset" "$cursor"; done
-- The cursor of the row at a depth of a reader's rows, newest first (its time in microseconds since 2000, its id).
CREATE FUNCTION pg_temp.cursor_at(orgs uuid[], depth bigint) RETURNS text LANGUAGE sql AS \$\$
  SELECT 'a' || lpad(to_hex(((extract(epoch FROM "time") - 946684800) * 1000000)::bigint), 16, '0')
             || replace(id::text, '-', '')
  FROM audit_logs WHERE orgs IS NULL OR organization_id = ANY (orgs)
  ORDER BY "time" DESC, id DESC OFFSET depth - 1 LIMIT 1 \$\$;
SELECT r.who, d.depth,
       bench.median_ms(format('SELECT bench.coder_audit_lookups(%L)', bench.coder_audit('page', '{}', r.orgs, 1000, d.depth::int, 0)), $runs),
       bench.median_ms(format('SELECT audit_ext.audit_logs(%L, %L::uuid, 1000, %s)', '', r.actor, d.depth), $runs),
       bench.median_ms(format('SELECT audit_ext.audit_logs(%L, %L::uuid, 1000, after => %L)', '', r.actor,
                              CASE WHEN d.depth = 0 THEN '' ELSE pg_temp.cursor_at(r.orgs, d.depth) END), $runs)
FROM (VALUES ('owner', $owner, NULL::uuid[]),
             ('auditor_of_2_orgs', $two_orgs, ARRAY[md5('org9')::uuid, md5('org16')::uuid])) r(who, actor, orgs),
     LATERAL (SELECT DISTINCT unnest(ARRAY[0, 10000, 100000, 1000000, $rows / 2])::bigint) d(depth)
WHERE d.depth < (SELECT count(*) FROM audit_logs WHERE r.orgs IS NULL OR organization_id = ANY (r.orgs))
ORDER BY r.who DESC, d.depth;
SQL
fi
[[ $parts == *2* ]] || exit 0

echo
echo "2. Exports (COPY … TO STDOUT (FORMAT csv, HEADER)), and Coder's 1,000-row offset pages over the same rows"
printf '%-44s %10s %8s %10s %9s %10s %11s %11s\n' export rows seconds "rows/s" "anon MB" "temp MB" "Coder 1st" "Coder last"
export_one() { # name filter actor dialect coder-filter-json coder-orgs
  local name=$1 q=$2 actor=$3 dialect=$4 cf=$5 corgs=$6
  local sql="SELECT * FROM audit_ext.export_audit_logs('$q', $actor, dialect => '$dialect')"
  local temp0 peak=0 pid="" start end n
  temp0=$("${psql[@]}" -At -c "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()")
  start=$(date +%s.%N)
  PGAPPNAME=bench-export "${psql[@]}" -c "COPY ($sql) TO STDOUT (FORMAT csv, HEADER)" | wc -l >"$work/n" &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    [ -z "$pid" ] && pid=$("${psql[@]}" -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-export' LIMIT 1")
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      rss=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    fi
    sleep 0.2
  done
  wait "$job"
  end=$(date +%s.%N)
  n=$(( $(cat "$work/n") - 1 ))
  local temp1; temp1=$("${psql[@]}" -At -c "SELECT pg_stat_force_next_flush(); SELECT pg_sleep(0.6); SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()" | tail -n1)
  local coder_first coder_last
  coder_first=$("${psql[@]}" -At -c "SELECT bench.median_ms(format('SELECT bench.coder_audit_lookups(%L)', bench.coder_audit('page', '$cf', $corgs, 1000, 0, 0)), 3)")
  coder_last=$("${psql[@]}" -At -c "SELECT bench.median_ms(format('SELECT bench.coder_audit_lookups(%L)', bench.coder_audit('page', '$cf', $corgs, 1000, greatest($n - 1000, 0), 0)), 1)")
  awk -v name="$name" -v n="$n" -v s="$(echo "$end - $start" | bc)" -v peak="$peak" -v t="$(( temp1 - temp0 ))" \
      -v cf="$coder_first" -v cl="$coder_last" \
    'BEGIN { printf "%-44s %10d %8.1f %10.0f %9.1f %10.1f %11s %11s\n", name, n, s, n / s, peak / 1024, t / 1048576, cf, cl }'
}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
quarter=$("${psql[@]}" -At -c "SELECT to_char(date_trunc('quarter', max(\"time\")) - interval '3 months', 'YYYY-MM-DD') || ' ' || to_char(date_trunc('quarter', max(\"time\")) - interval '1 day', 'YYYY-MM-DD') FROM audit_logs")
qfrom=${quarter% *}; qto=${quarter#* }
export_one "owner, every row" "" "$owner" coder '{}' "NULL"
export_one "owner, date_from:$qfrom date_to:$qto" "date_from:$qfrom date_to:$qto" "$owner" coder \
  "{\"date_from\": \"$qfrom\", \"date_to\": \"$qto 23:59:59\"}" "NULL"
export_one "auditor of 2 orgs, action:delete" "action:delete" "$two_orgs" coder '{"action": "delete"}' \
  "ARRAY[md5('org9')::uuid, md5('org16')::uuid]"
export_one "owner, extended -action:login status_code:>=400" "-action:login status_code:>=400" "$owner" extended '{}' "NULL"
echo "(Coder 1st / last: ms for the first and the last 1,000-row offset page, with its handler's look-ups, of the same reader's rows; for the extended"
echo " filter, Coder cannot express it, so its columns time every row of the owner's first and last page.)"
