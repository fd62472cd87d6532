#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of audit_ext's two pure paths (tests/fuzz/README.md):
#   parse_compile  the request path: dsl::parse → Filter::to_json → plan::compile → plan::render, with its
#                  invariants: no panic, placeholders $1..$n all bound and used, SQL text fixed (user text only
#                  ever a parameter), rendered literals that cannot be broken out of;
#   render_rows    the response path: any stored row values → shape::audit_log / shape::connection_log, with
#                  its invariants: no panic, Unrenderable exactly for the times Go cannot print, deterministic,
#                  JSON that prints and parses back equal, every entry valid against tests/client/*.schema.json.
#
#   tests/scripts/fuzz.sh                    smoke run: 200000 inputs of each target, one after the other (the
#                                            "fuzz" tier of the tests; ~11 s + ~65-75 s warm, plus the cold build)
#   tests/scripts/fuzz.sh 10000000           the long run: 10M inputs of each target on one core
#   tests/scripts/fuzz.sh 10000000 2         the same over 2 processes sharing each corpus, 5M each
#   tests/scripts/fuzz.sh 10000000 1 render_rows
#   FUZZ_TARGET=render_rows tests/scripts/fuzz.sh 10000000
#                                            one target only (parse_compile | render_rows | all, default all;
#                                            the third argument wins over FUZZ_TARGET)
#   FUZZ_MERGE=1 tests/scripts/fuzz.sh 10000000
#                                            afterwards, add the inputs that reached new edges to the committed
#                                            corpus (libFuzzer -merge=1 -use_counters=0; keep it to a few hundred files)
#
# Every run starts from a COPY of the committed seed corpus tests/fuzz/corpus/<target>/ (in $FUZZ_WORK/<target>,
# default /tmp/audit_ext/fuzz), so nothing is written into the repository except a crash reproducer in
# tests/fuzz/artifacts/<target>/ (git-ignored). Each input is bounded: at most 4200 bytes for parse_compile (the
# 4096-byte audit_ext.max_query_length default, plus a little to exercise the limit) and 4096 for render_rows,
# 5 s, 2 GB. Exits non-zero on any panic, crash, timeout or out-of-memory of any target (the others still run),
# printing the panic, the stack and the command that replays the input. One line per target, one of
#   fuzz: ok: TARGET: N execs in S s (E exec/s), cov C ft F, corpus K; slowest input U µs CPU[; tolerated: …]
#   fuzz: FAILED: TARGET (...)
# ("tolerated" lists render_rows' schema tolerances that applied: see tests/fuzz/README.md.)
# Installs cargo-fuzz (pinned below) when missing; builds with stable Rust. Environment: FUZZ_SANITIZER
# (none | address; default none, the targets are safe Rust: address sets RUSTC_BOOTSTRAP=1 for -Zsanitizer and
# builds in tests/fuzz/target/address), FUZZ_TIMEOUT (s, 5), FUZZ_RSS_MB (2048), FUZZ_SEED (random), FUZZ_WORK,
# FUZZ_TARGET.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# The fuzz crate always builds into tests/fuzz/target (the binaries' paths below), whatever the caller's
# CARGO_TARGET_DIR says.
unset CARGO_TARGET_DIR

CARGO_FUZZ_VERSION=0.13.2
ALL_TARGETS=(parse_compile render_rows)
RUNS=${1:-200000}
JOBS=${2:-1}
WHICH=${3:-${FUZZ_TARGET:-all}}
SANITIZER=${FUZZ_SANITIZER:-none}
TIMEOUT=${FUZZ_TIMEOUT:-5}
RSS_MB=${FUZZ_RSS_MB:-2048}
WORK=${FUZZ_WORK:-/tmp/audit_ext/fuzz}
usage="usage: $0 [RUNS] [JOBS] [parse_compile|render_rows|all]"
[[ $RUNS =~ ^[0-9]+$ && $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
case $WHICH in
  all) TARGETS=("${ALL_TARGETS[@]}") ;;
  parse_compile|render_rows) TARGETS=("$WHICH") ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
fail() { echo "fuzz: FAILED ($*)"; exit 1; }

# 1. Toolchain: PostgreSQL headers and pgrx's config (the targets link the extension crate), cargo-fuzz.
if [ "${FUZZ_SKIP_SETUP:-0}" != 1 ]; then
  bash tests/scripts/setup.sh >/dev/null || fail "tests/scripts/setup.sh"
fi
if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
  cargo install cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --locked --quiet || fail "cargo install cargo-fuzz"
fi

# 2. Build (release, debug assertions and overflow checks on, coverage instrumentation); one cargo invocation
# builds every target asked for.
build=(cargo fuzz build --fuzz-dir tests/fuzz -s "$SANITIZER" -a)
BINDIR=tests/fuzz/target/x86_64-unknown-linux-gnu/release
if [ "$SANITIZER" != none ]; then
  export RUSTC_BOOTSTRAP=1 # -Zsanitizer on stable Rust
  build+=(--target-dir tests/fuzz/target/"$SANITIZER")
  BINDIR=tests/fuzz/target/$SANITIZER/x86_64-unknown-linux-gnu/release
fi
[ ${#TARGETS[@]} -eq 1 ] && build+=("${TARGETS[0]}") # no name: cargo fuzz builds them all
t0=$(date +%s)
"${build[@]}" 2>&1 | grep -vE '^\s+(Compiling|Downloaded|Downloading) ' ; [ "${PIPESTATUS[0]}" -eq 0 ] || fail "build"
echo "fuzz: built ${TARGETS[*]} in $BINDIR in $(($(date +%s) - t0)) s"

# The console gets libFuzzer's progress lines (of process 1) without the per-input chatter; logs get everything.
quiet() { grep --line-buffered -vE '^#[0-9]+\s+(NEW|REDUCE|RELOAD)|^\s+NEW_FUNC|Uses: |audit_ext-fuzz: (new slowest|tolerated)|dictionary'; }

# 3. Run one target on a copy of its corpus: JOBS independent processes, RUNS/JOBS inputs each, sharing the
# corpus directory (libFuzzer re-reads it, so each picks up the others' finds). Returns non-zero on failure.
run_target() {
  local TARGET=$1 BIN=$BINDIR/$1 W=$WORK/$1 max_len
  case $TARGET in parse_compile) max_len=4200 ;; *) max_len=4096 ;; esac
  rm -rf "$W"; mkdir -p "$W/corpus" tests/fuzz/artifacts/"$TARGET"
  cp tests/fuzz/corpus/"$TARGET"/* "$W/corpus/"
  local per=$(( (RUNS + JOBS - 1) / JOBS ))
  local args=(-runs="$per" -max_len="$max_len" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB"
        -report_slow_units=1 -print_final_stats=1 -artifact_prefix="$ROOT/tests/fuzz/artifacts/$TARGET/")
  echo "fuzz: $TARGET: $JOBS × $BIN ${args[*]} $W/corpus"
  pids=()
  local start i p r
  start=$(date +%s.%N)
  for i in $(seq 1 "$JOBS"); do
    local seed=(); [ -n "${FUZZ_SEED:-}" ] && seed=(-seed=$((FUZZ_SEED + i - 1)))
    AUDIT_EXT_FUZZ_TIMING=1 "$BIN" "${args[@]}" "${seed[@]}" "$W/corpus" >"$W/fuzz-$i.log" 2>&1 &
    pids+=($!)
  done
  tail -n +1 --pid="${pids[0]}" -f "$W/fuzz-1.log" > >(quiet) &
  pids+=($!)
  # Wait for the fuzzers; the first failure stops the others.
  local rc=0 running=("${pids[@]:0:JOBS}") still
  while [ ${#running[@]} -gt 0 ]; do
    sleep 1
    still=()
    for p in "${running[@]}"; do
      if kill -0 "$p" 2>/dev/null; then still+=("$p"); else wait "$p"; r=$?; [ "$rc" -ne 0 ] || rc=$r; fi
    done
    running=("${still[@]}")
    [ "$rc" -eq 0 ] || [ ${#running[@]} -eq 0 ] || kill "${running[@]}" 2>/dev/null
  done
  wait "${pids[JOBS]}" 2>/dev/null
  pids=()
  local secs LOGS
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  LOGS=("$W"/fuzz-*.log)

  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: libFuzzer|panicked at|^SUMMARY: ' "${LOGS[@]}"; then
    local artifact
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "${LOGS[@]}" | tail -n1)
    echo "--- $TARGET: the failure (full logs: ${LOGS[*]}):"
    grep -h -E -A40 'panicked at|ERROR: libFuzzer' "${LOGS[@]}" | head -n60
    if [ -n "$artifact" ]; then
      echo "--- replay:   $BIN $artifact"
      [ "$TARGET" = render_rows ] && echo "--- the row:  AUDIT_EXT_FUZZ_DEBUG=1 $BIN $artifact"
      echo "--- minimize: cargo fuzz tmin --fuzz-dir tests/fuzz -s $SANITIZER -a $TARGET $artifact"
    fi
    echo "fuzz: FAILED: $TARGET (exit $rc after $(printf '%.0f' "$secs") s; input: ${artifact:-see the logs in $W})"
    return 1
  fi

  # 4. One line: execs (summed), speed, coverage (the best process's last line), the slowest input seen (CPU
  # time of the fuzzing thread, during the run and in a replay of the whole grown corpus).
  local execs=0 cov=0 ft=0 n last c f log
  for log in "${LOGS[@]}"; do
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    if [ "${n:-0}" -lt "$per" ]; then echo "fuzz: FAILED: $TARGET (only ${n:-0} of $per inputs ran; see $log)"; return 1; fi
    execs=$((execs + n))
    last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
    c=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p'); [ "${c:-0}" -gt "$cov" ] && cov=$c
    f=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p'); [ "${f:-0}" -gt "$ft" ] && ft=$f
  done
  if ! AUDIT_EXT_FUZZ_TIMING=1 "$BIN" -runs=0 -max_len="$max_len" -timeout="$TIMEOUT" "$W/corpus" >"$W/replay.log" 2>&1; then
    echo "fuzz: FAILED: $TARGET (replaying the corpus; see $W/replay.log)"; return 1
  fi
  local slowest corpus rate tolerated
  slowest=$(cat "${LOGS[@]}" "$W/replay.log" | sed -nE 's/^audit_ext-fuzz: new slowest input: ([0-9]+) µs.*/\1/p' | sort -n | tail -n1)
  tolerated=$(cat "${LOGS[@]}" "$W/replay.log" | sed -nE 's/^audit_ext-fuzz: tolerated: (.*)$/\1/p' | sort -u | tr '\n' ' ')
  corpus=$(find "$W/corpus" -type f | wc -l)
  rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : n) }')

  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    local before
    before=$(find tests/fuzz/corpus/"$TARGET" -type f | wc -l)
    # -use_counters=0: only new edges count, not new hit counts, which keeps the committed corpus small.
    if ! "$BIN" -merge=1 -use_counters=0 -max_len="$max_len" -timeout="$TIMEOUT" tests/fuzz/corpus/"$TARGET" "$W/corpus" >"$W/merge.log" 2>&1; then
      echo "fuzz: FAILED: $TARGET (merge; see $W/merge.log)"; return 1
    fi
    echo "fuzz: merged $(($(find tests/fuzz/corpus/"$TARGET" -type f | wc -l) - before)) new inputs into tests/fuzz/corpus/$TARGET"
  fi
  echo "fuzz: ok: $TARGET: $execs execs in $(printf '%.0f' "$secs") s ($rate exec/s), cov $cov ft $ft, corpus $corpus; slowest input ${slowest:-?} µs CPU${tolerated:+; tolerated: ${tolerated% }}"
}

pids=()
trap '[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null' EXIT
failed=()
for t in "${TARGETS[@]}"; do
  run_target "$t" || failed+=("$t")
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: FAILED (${failed[*]})"; exit 1; }
