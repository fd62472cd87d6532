#!/usr/bin/env bash
# Runs every test tier and prints one summary line per tier, then "N passed, N failed".
#   1. unit:       plain `cargo test` of the pure stages (parser, SQL builder, shaping), no PostgreSQL; and
#                  `cargo clippy -- -D warnings` and `cargo fmt --check`
#   2. pg_test:    `#[pg_test]` in-database tests, beside the code they test, via `cargo pgrx test pg15` (as the
#                  postgres user); pgrx names them `pg_…`, which is how tier 1 skips them and tier 2 selects them
#   3. pg_regress: golden SQL files under tests/pg_regress against a throwaway cluster loaded with the
#                  Coder-shaped fixture (tests/scripts/regress.sh; one file: make regress T=name)
#   4. client:     a thin API layer in Python over psycopg 3 (extended protocol, prepared statements), checked
#                  against plain SQL and Coder's JSON Schemas (tests/client/)
#   5. standby:    a primary and a streaming replica; every read function answers the same on both
#   6. fuzz:       200000-input libFuzzer smoke runs of both targets (tests/scripts/fuzz.sh): the filter path
#                  (parse → compile → render) and the response path (stored rows → shape); the long run is `make fuzz`
# Exits non-zero if any tier fails. Run as root on a fresh machine: setup installs what is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
bash tests/scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }

OUT=/tmp/audit_ext/test-logs
mkdir -p "$OUT"
summary=()
total_pass=0; total_fail=0; failed_tiers=0

record() { # tier rc passed failed
  local tier=$1 rc=$2 p=$3 f=$4
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash counts as a failure
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  local status=ok; [ "$rc" -eq 0 ] || { status=FAILED; failed_tiers=$((failed_tiers + 1)); }
  summary+=("$(printf '%-11s %-6s %4d passed, %d failed' "$tier:" "$status" "$p" "$f")")
}

cargo_counts() { # log → "passed failed" summed over every "test result:" line
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
       END { print p + 0, f + 0 }' "$1"
}

# "N passed, M failed" on a script's last such line → "N M" (0 0 when the script died before printing it).
script_counts() {
  local c; c=$(sed -n 's/^\([0-9]\+\) passed, \([0-9]\+\) failed$/\1 \2/p' "$1" | tail -n 1)
  echo "${c:-0 0}"
}

echo "== tier 1: unit tests (no PostgreSQL), and clippy (src/shape and src/exec deny every panic reachable from data)"
cargo test --lib -- --skip ::pg_ 2>&1 | tee "$OUT/unit.log"; rc=${PIPESTATUS[0]}
if ! cargo clippy --quiet -- -D warnings 2>&1 | tee "$OUT/clippy.log"; then
  echo "test: cargo clippy -- -D warnings failed"; rc=1
fi
if ! cargo fmt --check >"$OUT/fmt.log" 2>&1; then
  echo "test: cargo fmt --check failed ($(grep -c '^Diff in' "$OUT/fmt.log") hunks; run cargo fmt)"; rc=1
fi
read -r p f < <(cargo_counts "$OUT/unit.log"); record unit "$rc" "$p" "$f"

echo "== tier 2: #[pg_test] in-database tests"
install -d -o postgres -g postgres /tmp/audit_ext
cargo pgrx test pg15 ::pg_ --runas postgres --pgdata /tmp/audit_ext/pgrx 2>&1 | tee "$OUT/pg_test.log"; rc=${PIPESTATUS[0]}
read -r p f < <(cargo_counts "$OUT/pg_test.log"); record pg_test "$rc" "$p" "$f"

echo "== tier 3: pg_regress golden files"
bash tests/scripts/regress.sh 2>&1 | tee "$OUT/regress.log"; rc=${PIPESTATUS[0]}
read -r p f < <(script_counts "$OUT/regress.log")
record pg_regress "$rc" "$p" "$f"


echo "== tier 4: client (psycopg 3 over the extended protocol)"
bash tests/scripts/client.sh 2>&1 | tee "$OUT/client.log"; rc=${PIPESTATUS[0]}
read -r p f < <(script_counts "$OUT/client.log"); record client "$rc" "$p" "$f"

echo "== tier 5: hot standby (primary + streaming replica)"
bash tests/scripts/standby.sh 2>&1 | tee "$OUT/standby.log"; rc=${PIPESTATUS[0]}
read -r p f < <(script_counts "$OUT/standby.log"); record standby "$rc" "$p" "$f"

echo "== tier 6: fuzz smoke (libFuzzer, 200000 inputs each: parse → compile → render, and stored rows → shape)"
FUZZ_SKIP_SETUP=1 bash tests/scripts/fuzz.sh 2>&1 | tee "$OUT/fuzz.log"; rc=${PIPESTATUS[0]}
record fuzz "$rc" "$((rc == 0))" 0

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$failed_tiers" -eq 0 ]
