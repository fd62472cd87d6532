#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine of this kind lacks to build and test audit_ext:
# Debian packages, cargo-pgrx at the version pinned in Cargo.toml, and `cargo pgrx init` against the
# system PostgreSQL 15. Idempotent: when everything is present it finishes in about a second.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PGRX_VERSION=$(sed -n 's/^pgrx = { *version = "=\([0-9.]*\)".*/\1/p; s/^pgrx = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$PGRX_VERSION" ] || { echo "setup: cannot read the pinned pgrx version from Cargo.toml" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || { echo "setup: $1 needs root (run as root, or install it yourself)" >&2; exit 1; }; }

# 1. Debian packages.
PKGS=(postgresql-15 postgresql-server-dev-15 libclang-dev clang sudo pkg-config libssl-dev make)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  need_root "installing ${missing[*]}"
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { echo "setup: apt-get update failed (no network to the Debian mirror?)" >&2; exit 1; }
  # server-dev must match the server's minor version, so both are installed together.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" postgresql-15 >/dev/null \
    || { echo "setup: apt-get install failed" >&2; exit 1; }
fi
[ -x "$PG_CONFIG" ] || { echo "setup: $PG_CONFIG missing after install" >&2; exit 1; }

# 2. cargo-pgrx at exactly the pinned version.
if ! cargo pgrx --version 2>/dev/null | grep -qx "cargo-pgrx $PGRX_VERSION"; then
  echo "setup: installing cargo-pgrx $PGRX_VERSION (a few minutes)"
  cargo install cargo-pgrx --version "=$PGRX_VERSION" --locked --quiet \
    || { echo "setup: cargo install cargo-pgrx failed (no network to crates.io?)" >&2; exit 1; }
fi

# 3. pgrx init against the system PostgreSQL 15 (downloads nothing).
PGRX_HOME=${PGRX_HOME:-$HOME/.pgrx}
if ! grep -qs "pg15 = \"$PG_CONFIG\"" "$PGRX_HOME/config.toml"; then
  echo "setup: cargo pgrx init --pg15 $PG_CONFIG"
  cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
fi

# 4. The parent directory for test clusters, owned by the unprivileged postgres user.
if [ "$(id -u)" = 0 ]; then
  install -d -o postgres -g postgres /tmp/audit_ext
fi
echo "setup: ok (pgrx $PGRX_VERSION, $($PG_CONFIG --version))"
