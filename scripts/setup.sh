#!/usr/bin/env bash
# Install everything the project needs, idempotently: system packages (PostgreSQL with contrib,
# Chromium, Node.js for the reference web app), the .venv with the Python dependencies, the web
# app's npm packages, and the edge functions' Deno dependencies. Fast when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf 'setup: %s\n' "$*"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root (or sudo) to run: $*"; exit 1; fi
}

have_postgres() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    ls /usr/share/postgresql/*/extension/pgcrypto.control >/dev/null 2>&1 &&
    ls /usr/share/postgresql/*/extension/uuid-ossp.control >/dev/null 2>&1
}
system_chromium() {
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

# One CA bundle for every tool: a machine behind a TLS-inspecting proxy names it once, in
# SSL_CERT_FILE or NODE_EXTRA_CA_CERTS, and pip, npm and Deno all need it.
bundle=${SSL_CERT_FILE:-${NODE_EXTRA_CA_CERTS:-${DENO_CERT:-}}}
if [ -n "$bundle" ]; then
  export PIP_CERT=${PIP_CERT:-$bundle} NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-$bundle}
  export DENO_CERT=${DENO_CERT:-$bundle}
fi

missing=()
have_postgres || missing+=(postgresql postgresql-contrib)
command -v npm >/dev/null || missing+=(nodejs npm)
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# pg_cron (the project's scheduled jobs), built for the server version installed above.
if ! ls /usr/share/postgresql/*/extension/pg_cron.control >/dev/null 2>&1; then
  pg_major=$(ls /usr/lib/postgresql | sort -n | tail -1)
  say "installing system packages: postgresql-${pg_major}-cron"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-${pg_major}-cron" >/dev/null ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-${pg_major}-cron" >/dev/null; }
fi

# Python environment (reinstalled only when pyproject.toml changes).
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[stack,dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

# A browser: the system Chromium when there is one; else Playwright's own download; else Debian's.
if ! system_chromium >/dev/null; then
  if ! timeout 300 .venv/bin/playwright install chromium >/dev/null 2>&1; then
    say "Playwright could not download a browser: installing the system Chromium"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
  fi
fi

# Headless, the suite runs Debian's chromium-headless-shell when it is there (the same engine
# without the desktop browser around it: about half the browser process's CPU); see
# postmigration/system_chromium.sh. Without it, headless runs use the full Chromium.
if [ -x /usr/bin/chromium ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ] &&
  command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null; }; then
  say "installing system packages: chromium-headless-shell"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1 ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; } ||
    say "could not install chromium-headless-shell: headless runs use the full Chromium"
fi

# The reference web app's npm packages (supabase-js), from the committed lockfile.
if [ -f reference/web/package-lock.json ]; then
  lock=reference/web/node_modules/.installed-$(sha256sum reference/web/package-lock.json | cut -c1-16)
  if [ ! -f "$lock" ]; then
    say "installing the reference web app's npm packages"
    (cd reference/web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$lock"
  fi
fi

# Pre-fetch the edge functions' npm: dependencies into Deno's cache, so `up` starts fast.
if [ -f reference/stack/deno.py ]; then
  # A fetch that fails stops here, saying why, rather than as a BOOT_ERROR minutes later.
  if ! out=$(.venv/bin/python -m reference.stack.deno cache 2>&1); then
    say "stopped: ${out##*$'\n'}"
    exit 1
  fi
fi
# pytest's rewritten modules (the plugin's, its tests', other plugins'), cached once: where
# PYTHONDONTWRITEBYTECODE is set, each gate process and xdist worker would redo them (about a
# second of CPU each). See postmigration/precompile.py.
if ! out=$(.venv/bin/python -m postmigration.precompile tests 2>&1); then
  say "could not precompile the suite (each run rewrites it instead): ${out##*$'\n'}"
fi
say "ready (root: $ROOT)"
