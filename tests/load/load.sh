#!/usr/bin/env bash
# Load test (not part of `make test`): 16 pgbench clients call the page, count and AI-seat functions for
# DURATION seconds while 2 more insert audit and connection rows, on a ROWS-row fixture with a release build.
#   load.sh [DURATION=180] [ROWS=100000]      (make load DURATION=… ROWS=…)
# Prints pgbench's throughput and latency for readers and writers, the number of failed transactions (must be
# 0), and each reader backend's private memory (RssAnon from /proc) sampled every minute (every third of a
# run shorter than 5 minutes), with its slope after warm-up (the first sixth) in MB per 10 minutes: a backend
# whose memory grew with the number of calls would show a steady slope. For one reader it also dumps
# PostgreSQL's memory contexts (pg_log_backend_memory_contexts) at every sample and prints, first sample → last,
# their grand total and each top-level context that grew: what RssAnon gained beyond that is malloc's (Rust's
# allocations, libc's arenas), not a context's. The soak: make load DURATION=1800 ROWS=1000000.
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
# One reader's memory contexts, dumped into the server log: "seconds context kB" lines (context "(grand total)"
# and each top-level context with its descendants), for the first reader backend.
log=${AUDIT_EXT_CLUSTER_ROOT:-/tmp/audit_ext}/load/log
contexts=$out/contexts.tsv; : > "$contexts"; watched=
dump_contexts() { # seconds
  [ -n "$watched" ] || watched=$(reader_pids | head -n1)
  [ -n "$watched" ] || return 0
  local from; from=$(stat -c %s "$log")
  # false (and a WARNING) once the backend is gone: then there is nothing to read.
  [ "$("${psql[@]}" -At -c "SELECT pg_log_backend_memory_contexts($watched)" 2>/dev/null)" = t ] || return 0
  sleep 1
  { tail -c +"$((from + 1))" "$log" | grep -F "[$watched]" || true; } | awk -v t="$1" '
    /level: [0-9]+;/ {
      match($0, /level: [0-9]+;/); level = substr($0, RSTART + 7, RLENGTH - 8) + 0
      if (match($0, /more child contexts containing [0-9]+ total/)) { split(substr($0, RSTART, RLENGTH), w, " "); kb = w[5] }
      else if (match($0, /: [0-9]+ total in/)) { kb = substr($0, RSTART + 2, RLENGTH - 11) }
      else next
      if (level == 1) top = ($0 ~ /more child contexts/) ? "(other small contexts)" : substr($0, index($0, "; ") + 2, index($0, ": " kb " total") - index($0, "; ") - 2)
      if (level >= 1) sum[top] += kb
    }
    /Grand total: [0-9]+ bytes/ { match($0, /Grand total: [0-9]+/); grand = substr($0, RSTART + 13, RLENGTH - 13) }
    END { if (grand != "") { print t "\t(grand total)\t" grand / 1024; for (c in sum) print t "\t" c "\t" sum[c] / 1024 } }' >> "$contexts"
  echo "$1 $watched $(rss "$watched")" >> "$out/watched.tsv"
}
commits() {
  "${psql[@]}" -At -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'audit_ext_load'"
}
# Every reader backend's private memory once a minute (and at the end): "seconds pid kB" lines. Caches fill
# while the backends warm up; after that a leak per call would show as a steady slope.
samples=$out/rss.tsv; : > "$samples"; : > "$out/watched.tsv"
# Times are seconds since pgbench started, by the clock (sampling takes a few seconds each time).
every=$(( duration < 300 ? duration / 3 : 60 ))
start=$SECONDS; next=$every
while [ $((next + 10)) -lt "$duration" ]; do
  sleep $((next - (SECONDS - start) > 0 ? next - (SECONDS - start) : 0))
  t=$((SECONDS - start))
  for pid in $(reader_pids); do echo "$t $pid $(rss "$pid")"; done >> "$samples"
  dump_contexts "$t"
  next=$((next + every))
done
sleep $((duration - 5 - (SECONDS - start) > 0 ? duration - 5 - (SECONDS - start) : 0))
t=$((SECONDS - start))
for pid in $(reader_pids); do echo "$t $pid $(rss "$pid")"; done >> "$samples"
rc=0; wait "$readers" || rc=$?; wait "$writers" || rc=$?

echo "-- readers (each transaction = audit page + audit count + connection page + AI seats of 100 users):"
grep -E "number of (transactions actually processed|failed transactions)|latency average|latency stddev|^tps|aborted" "$out/read.log" || true
echo "-- writers (each transaction = 1 audit row + 1 connection row):"
grep -E "number of (transactions actually processed|failed transactions)|latency average|^tps|aborted" "$out/write.log" || true
# Warm-up: the first sixth of the run, at least one sample. The slope of each backend's memory after it, by least
# squares, in MB per 10 minutes; a flat backend is ~0.
warm=$(( duration / 6 ))
echo "-- reader backends' private memory (RssAnon), sampled every ${every} s; slope after the first ${warm} s (warm-up):"
awk -v warm="$warm" '
  { t = $1; pid = $2; kb = $3; if (!(pid in first)) first[pid] = kb; last[pid] = kb; n_all[pid]++
    if (t >= warm) { n[pid]++; st[pid] += t; sk[pid] += kb; stt[pid] += t * t; stk[pid] += t * kb } }
  END {
    worst = 0; count = 0
    for (pid in first) {
      slope = 0
      if (n[pid] >= 2) { d = n[pid] * stt[pid] - st[pid] * st[pid]; if (d > 0) slope = (n[pid] * stk[pid] - st[pid] * sk[pid]) / d }
      mb10 = slope * 600 / 1024
      printf "   pid %-8s %6.1f MB at the first sample, %6.1f MB at the last (%d samples), slope %+.2f MB / 10 min\n", pid, first[pid] / 1024, last[pid] / 1024, n_all[pid], mb10
      if (mb10 > worst) worst = mb10; count++
    }
    printf "   %d reader backends; steepest slope after warm-up: %+.2f MB / 10 min\n", count, worst
  }' "$samples"
# A sample may catch a reader in the middle of a call; its lowest sample in a window is its memory between calls.
# That baseline in the first and the last third after warm-up: a backend that kept memory call after call would
# rise from one to the other.
awk -v warm="$warm" -v d="$duration" '
  { t = $1; if (t < warm) next; third = (t < warm + (d - warm) / 3) ? 1 : (t >= d - (d - warm) / 3) ? 3 : 2
    if (third == 2) next; k = $2 SUBSEP third; if (!(k in low) || $3 < low[k]) low[k] = $3; pids[$2] = 1 }
  END {
    lo = 1e9; hi = -1e9
    for (p in pids) if (((p, 1) in low) && ((p, 3) in low)) { r = (low[p, 3] - low[p, 1]) / 1024; if (r < lo) lo = r; if (r > hi) hi = r; n++ }
    if (n) printf "   between calls (lowest sample), first third → last third after warm-up: %+.2f to %+.2f MB over %d readers\n", lo, hi, n
  }' "$samples"
if [ -s "$contexts" ]; then
  echo "-- one reader (pid $watched): PostgreSQL's memory contexts against its RssAnon, first sample → last:"
  awk -F'\t' -v half=$((duration / 2)) '
    { if (!($2 in a)) { a[$2] = $3; order[++n] = $2 } b[$2] = $3
      if ($2 == "(grand total)") { if ($1 < half) { if (low1 == "" || $3 < low1) low1 = $3 } else if (low2 == "" || $3 < low2) low2 = $3 } }
    END {
      printf "   contexts (grand total) %.2f → %.2f MB; lowest (between calls) %.2f and %.2f MB in the first and last half\n",
             a["(grand total)"] / 1024, b["(grand total)"] / 1024, low1 / 1024, low2 / 1024
      for (i = 1; i <= n; i++) { c = order[i]; if (c != "(grand total)" && b[c] - a[c] >= 64)
        printf "   grew: %-40s %8.0f → %8.0f kB\n", c, a[c], b[c] }
    }' "$contexts"
  awk 'NR == 1 { f = $3 } { l = $3 } END { printf "   RssAnon %.1f → %.1f MB\n", f / 1024, l / 1024 }' "$out/watched.tsv"
fi
if [ "$rc" -ne 0 ] || grep -q "aborted" "$out/read.log" "$out/write.log"; then
  echo "load: FAILED (pgbench exit $rc; logs in $out)"; exit 1
fi
echo "load: ok"
