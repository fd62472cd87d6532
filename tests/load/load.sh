#!/usr/bin/env bash
# Load test (not part of `make test`): 16 pgbench clients call the page, count and AI-seat functions for
# DURATION seconds while 2 more insert audit and connection rows, on a ROWS-row fixture with a release build.
#   load.sh [DURATION=180] [ROWS=100000]      (make load DURATION=… ROWS=…)
# Prints pgbench's throughput and latency for readers and writers, the number of failed transactions (must be
# 0), and each reader backend's private memory (RssAnon from /proc) at a third, two thirds and the end of the
# run: a backend whose memory grew with the number of calls would grow in both later intervals.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-180}; rows=${2:-100000}
bash tests/scripts/setup.sh >&2
port=$(AUDIT_EXT_PG_OPTS="-c max_connections=50 -c shared_buffers=1GB" \
       bash tests/scripts/fixture_db.sh load audit_ext_load "$rows" --release)
trap 'bash tests/scripts/cluster.sh stop load' EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d audit_ext_load)
"${psql[@]}" -c "VACUUM ANALYZE" -c "
CREATE TABLE load_filters (log text, n int, q text);
INSERT INTO load_filters SELECT 'audit page', n, q FROM unnest(ARRAY['', 'action:delete', 'workspace_build action:start',
  'username:bob17', 'date_from:2026-05-01', 'organization:org-05', 'email:carol18@example.com', 'build_reason:autostart']) WITH ORDINALITY f(q, n);
INSERT INTO load_filters SELECT 'audit count', n, q FROM unnest(ARRAY['', 'action:delete', 'resource_type:template',
  'username:me', 'date_to:2026-03-01', 'organization:coder', 'action:login', 'workspace']) WITH ORDINALITY f(q, n);
INSERT INTO load_filters SELECT 'connection page', n, q FROM unnest(ARRAY['', 'type:ssh', 'status:ongoing',
  'workspace_owner:me', 'organization:org-05', 'type:workspace_app', 'username:bob17',
  'connected_after:\"2026-05-01T00:00:00Z\"']) WITH ORDINALITY f(q, n);"
out=/tmp/audit_ext/load; mkdir -p "$out"; chmod 777 "$out"
bench() { runuser -u postgres -- pgbench -h 127.0.0.1 -p "$port" -U postgres -n -M prepared "$@" audit_ext_load; }

echo "== load: 16 readers + 2 writers for ${duration}s over $("${psql[@]}" -At -c 'SELECT count(*) FROM audit_logs') audit rows"
bench -c 16 -j 2 -T "$duration" -P 30 -f tests/load/read.sql  > "$out/read.log" 2>&1 & readers=$!
bench -c 2  -j 1 -T "$duration"        -f tests/load/write.sql > "$out/write.log" 2>&1 & writers=$!

rss() { # pid → RssAnon in kB
  awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}
reader_pids() {
  "${psql[@]}" -At -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%audit_ext.%' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
}
# Private memory of every reader backend at a third, two thirds and the end of the run: caches fill during the
# first third, so the later growth is what a leak per call would show.
t1=$((duration / 3)); t2=$((2 * duration / 3))
declare -A m1 m2 m3
sleep "$t1"; for pid in $(reader_pids); do m1[$pid]=$(rss "$pid"); done
c1=$("${psql[@]}" -At -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'audit_ext_load'")
sleep $((t2 - t1)); for pid in $(reader_pids); do m2[$pid]=$(rss "$pid"); done
c2=$("${psql[@]}" -At -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'audit_ext_load'")
sleep $((duration - t2 - 3)); for pid in $(reader_pids); do m3[$pid]=$(rss "$pid"); done
c3=$("${psql[@]}" -At -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'audit_ext_load'")
rc=0; wait "$readers" || rc=$?; wait "$writers" || rc=$?

echo "-- readers (each transaction = audit page + audit count + connection page + AI seats of 100 users):"
grep -E "number of (transactions actually processed|failed transactions)|latency average|latency stddev|^tps|aborted" "$out/read.log" || true
echo "-- writers (each transaction = 1 audit row + 1 connection row):"
grep -E "number of (transactions actually processed|failed transactions)|latency average|^tps|aborted" "$out/write.log" || true
echo "-- reader backends' private memory (RssAnon, kB) at ${t1} s → ${t2} s → end; commits (readers and writers) in"
echo "   the two intervals: $((c2 - c1)) and $((c3 - c2))"
g1_max=0; g2_max=0
for pid in "${!m1[@]}"; do
  [ -n "${m2[$pid]:-}" ] && [ -n "${m3[$pid]:-}" ] || continue
  g1=$(( ${m2[$pid]} - ${m1[$pid]} )); g2=$(( ${m3[$pid]} - ${m2[$pid]} ))
  [ "$g1" -gt "$g1_max" ] && g1_max=$g1; [ "$g2" -gt "$g2_max" ] && g2_max=$g2
  printf '   pid %-8s %7s → %7s → %7s  (%+d, %+d)\n' "$pid" "${m1[$pid]}" "${m2[$pid]}" "${m3[$pid]}" "$g1" "$g2"
done
echo "   largest growth per backend: ${g1_max} kB in the second third, ${g2_max} kB in the last third"
if [ "$rc" -ne 0 ] || grep -q "aborted" "$out/read.log" "$out/write.log"; then
  echo "load: FAILED (pgbench exit $rc; logs in $out)"; exit 1
fi
echo "load: ok"
