#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the pure path every filter takes: dsl::parse →
# Filter::to_json → plan::compile → plan::render, with its invariants (tests/fuzz/fuzz_targets/parse_compile.rs):
# no panic, placeholders $1..$n all bound and used, SQL text fixed (user text only ever a parameter),
# rendered literals that cannot be broken out of.
#
#   tests/scripts/fuzz.sh                smoke run, 200000 inputs (~11 s warm; the cold build ~85 s); the "fuzz" tier of the tests
#   tests/scripts/fuzz.sh 10000000       the long run: 10M inputs on one core (~9 min)
#   tests/scripts/fuzz.sh 10000000 2     the same over 2 processes sharing the corpus, 5M each (~5 min on 2 free cores)
#   FUZZ_MERGE=1 tests/scripts/fuzz.sh 10000000
#                                        afterwards, add the inputs that reached new edges to the committed
#                                        corpus (libFuzzer -merge=1 -use_counters=0; keep it to a few hundred files)
#
# Every run starts from a COPY of the committed seed corpus tests/fuzz/corpus/parse_compile/ (in $FUZZ_WORK,
# default /tmp/audit_ext/fuzz), so nothing is written into the repository except a crash reproducer in
# tests/fuzz/artifacts/parse_compile/ (git-ignored). Each input is bounded: at most 4200 bytes (the 4096-byte
# audit_ext.max_query_length default, plus a little to exercise the limit), 5 s, 2 GB.
# Exits non-zero on any panic, crash, timeout or out-of-memory, printing the panic, the stack and the
# command that replays the input. The last line is one of
#   fuzz: ok: N execs in S s (E exec/s), cov C ft F, corpus K; slowest input U µs CPU
#   fuzz: FAILED (...)
# Installs cargo-fuzz (pinned below) when missing; builds with stable Rust. Environment: FUZZ_SANITIZER
# (none | address; default none, the target is safe Rust: address sets RUSTC_BOOTSTRAP=1 for -Zsanitizer and
# builds in tests/fuzz/target/address), FUZZ_TIMEOUT (s, 5), FUZZ_RSS_MB (2048), FUZZ_SEED (random), FUZZ_WORK.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# The fuzz crate always builds into tests/fuzz/target (the binaries' paths below), whatever the caller's
# CARGO_TARGET_DIR says.
unset CARGO_TARGET_DIR

CARGO_FUZZ_VERSION=0.13.2
TARGET=parse_compile
RUNS=${1:-200000}
JOBS=${2:-1}
SANITIZER=${FUZZ_SANITIZER:-none}
TIMEOUT=${FUZZ_TIMEOUT:-5}
RSS_MB=${FUZZ_RSS_MB:-2048}
WORK=${FUZZ_WORK:-/tmp/audit_ext/fuzz}
[[ $RUNS =~ ^[0-9]+$ && $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS] [JOBS]" >&2; exit 2; }
fail() { echo "fuzz: FAILED ($*)"; exit 1; }

# 1. Toolchain: PostgreSQL headers and pgrx's config (the target links the extension crate), cargo-fuzz.
if [ "${FUZZ_SKIP_SETUP:-0}" != 1 ]; then
  bash tests/scripts/setup.sh >/dev/null || fail "tests/scripts/setup.sh"
fi
if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
  cargo install cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --locked --quiet || fail "cargo install cargo-fuzz"
fi

# 2. Build (release, debug assertions and overflow checks on, coverage instrumentation).
build=(cargo fuzz build --fuzz-dir tests/fuzz -s "$SANITIZER" -a)
BIN=tests/fuzz/target/x86_64-unknown-linux-gnu/release/$TARGET
if [ "$SANITIZER" != none ]; then
  export RUSTC_BOOTSTRAP=1 # -Zsanitizer on stable Rust
  build+=(--target-dir tests/fuzz/target/"$SANITIZER")
  BIN=tests/fuzz/target/$SANITIZER/x86_64-unknown-linux-gnu/release/$TARGET
fi
t0=$(date +%s)
"${build[@]}" "$TARGET" 2>&1 | grep -vE '^\s+(Compiling|Downloaded|Downloading) ' ; [ "${PIPESTATUS[0]}" -eq 0 ] || fail "build"
echo "fuzz: built $BIN in $(($(date +%s) - t0)) s"

# 3. Run on a copy of the corpus: JOBS independent processes, RUNS/JOBS inputs each, sharing the corpus
# directory (libFuzzer re-reads it, so each picks up the others' finds).
rm -rf "$WORK"; mkdir -p "$WORK/corpus" tests/fuzz/artifacts/$TARGET
cp tests/fuzz/corpus/$TARGET/* "$WORK/corpus/"
per=$(( (RUNS + JOBS - 1) / JOBS ))
args=(-runs="$per" -max_len=4200 -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB"
      -report_slow_units=1 -print_final_stats=1 -artifact_prefix="$ROOT/tests/fuzz/artifacts/$TARGET/")
echo "fuzz: $JOBS × $BIN ${args[*]} $WORK/corpus"
# The console gets libFuzzer's progress lines (of process 1) without the per-input chatter; logs get everything.
quiet() { grep --line-buffered -vE '^#[0-9]+\s+(NEW|REDUCE|RELOAD)|^\s+NEW_FUNC|Uses: |audit_ext-fuzz: new slowest|dictionary'; }
pids=()
trap '[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null' EXIT
start=$(date +%s.%N)
for i in $(seq 1 "$JOBS"); do
  seed=(); [ -n "${FUZZ_SEED:-}" ] && seed=(-seed=$((FUZZ_SEED + i - 1)))
  AUDIT_EXT_FUZZ_TIMING=1 "$BIN" "${args[@]}" "${seed[@]}" "$WORK/corpus" >"$WORK/fuzz-$i.log" 2>&1 &
  pids+=($!)
done
tail -n +1 --pid="${pids[0]}" -f "$WORK/fuzz-1.log" > >(quiet) &
pids+=($!)
# Wait for the fuzzers; the first failure stops the others.
rc=0; running=("${pids[@]:0:JOBS}")
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
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
LOGS=("$WORK"/fuzz-*.log)

if [ "$rc" -ne 0 ] || grep -qE 'ERROR: libFuzzer|panicked at|^SUMMARY: ' "${LOGS[@]}"; then
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "${LOGS[@]}" | tail -n1)
  echo "--- the failure (full logs: ${LOGS[*]}):"
  grep -h -E -A40 'panicked at|ERROR: libFuzzer' "${LOGS[@]}" | head -n60
  if [ -n "$artifact" ]; then
    echo "--- replay:   $BIN $artifact"
    echo "--- minimize: cargo fuzz tmin --fuzz-dir tests/fuzz -s $SANITIZER -a $TARGET $artifact"
  fi
  fail "exit $rc after $(printf '%.0f' "$secs") s; input: ${artifact:-see the logs in $WORK}"
fi

# 4. One line: execs (summed), speed, coverage (the best process's last line), the slowest input seen (CPU
# time of the fuzzing thread, during the run and in a replay of the whole grown corpus).
execs=0; cov=0; ft=0
for log in "${LOGS[@]}"; do
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  [ "${n:-0}" -ge "$per" ] || fail "only ${n:-0} of $per inputs ran; see $log"
  execs=$((execs + n))
  last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
  c=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p'); [ "${c:-0}" -gt "$cov" ] && cov=$c
  f=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p'); [ "${f:-0}" -gt "$ft" ] && ft=$f
done
AUDIT_EXT_FUZZ_TIMING=1 "$BIN" -runs=0 -max_len=4200 -timeout="$TIMEOUT" "$WORK/corpus" >"$WORK/replay.log" 2>&1 \
  || fail "replaying the corpus; see $WORK/replay.log"
slowest=$(cat "${LOGS[@]}" "$WORK/replay.log" | sed -nE 's/^audit_ext-fuzz: new slowest input: ([0-9]+) µs.*/\1/p' | sort -n | tail -n1)
corpus=$(find "$WORK/corpus" -type f | wc -l)
rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : n) }')

if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  before=$(find tests/fuzz/corpus/$TARGET -type f | wc -l)
  # -use_counters=0: only new edges count, not new hit counts, which keeps the committed corpus small.
  "$BIN" -merge=1 -use_counters=0 -max_len=4200 -timeout="$TIMEOUT" tests/fuzz/corpus/$TARGET "$WORK/corpus" >"$WORK/merge.log" 2>&1 \
    || fail "merge; see $WORK/merge.log"
  echo "fuzz: merged $(($(find tests/fuzz/corpus/$TARGET -type f | wc -l) - before)) new inputs into tests/fuzz/corpus/$TARGET"
fi
echo "fuzz: ok: $execs execs in $(printf '%.0f' "$secs") s ($rate exec/s), cov $cov ft $ft, corpus $corpus; slowest input ${slowest:-?} µs CPU"
