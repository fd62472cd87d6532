#!/usr/bin/env bash
# Builds the installable artifact: a release build laid out as PostgreSQL 15's directories (pgrx's
# `cargo pgrx package`), plus a tarball of that tree to unpack at / on a Debian/Ubuntu PostgreSQL 15 server.
#   package.sh   → target/release/audit_ext-pg15/usr/{lib,share}/postgresql/15/…
#                  target/audit_ext-VERSION-pg15-ARCH.tar.gz (with SHA256SUMS next to it)
# (target/ is $CARGO_TARGET_DIR when that is set, as cargo has it.)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/scripts/setup.sh >&2
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
cargo pgrx package --pg-config "$PG_CONFIG" >&2
target=${CARGO_TARGET_DIR:-target}
tree=$target/release/audit_ext-pg15
# Earlier versions' install scripts travel too, so `CREATE EXTENSION audit_ext VERSION '0.1.0'` works there.
for f in sql/audit_ext--*.sql; do
  case "${f#sql/audit_ext--}" in *--*) ;; *) install -m 644 "$f" "$tree$($PG_CONFIG --sharedir)/extension/" ;; esac
done
out=$target/audit_ext-$version-pg15-$arch.tar.gz
tar -C "$tree" --owner=0 --group=0 -czf "$out" .
(cd "$target" && sha256sum "$(basename "$out")" > SHA256SUMS)
echo "$out:"
tar -tzvf "$out" | awk '$3 != 0 || $6 !~ /\/$/ { printf "  %10s  %s\n", $3, $6 }' | grep -v '/$'
echo "sha256: $(cut -d' ' -f1 "$target/SHA256SUMS")"
