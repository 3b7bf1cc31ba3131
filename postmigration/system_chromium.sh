#!/usr/bin/env bash
# Debian's Chromium as the suite launches it. Chromium reads only the last --disable-features
# (and --enable-features) switch, and Playwright passes its own before ours: this merges every
# one of each into a single switch, so neither list is lost, then starts Chromium: headless (as
# Playwright asks with --headless) Debian's chromium-headless-shell when it is installed, the
# same engine without the desktop browser around it (half the browser process's CPU); else, and
# for a headed run, /usr/bin/chromium.
set -euo pipefail
disable=() enable=() rest=() browser=/usr/bin/chromium
# What Debian's /usr/bin/chromium-headless-shell runs (that script keeps itself as the parent).
shell=/usr/lib/chromium/chromium-headless-shell
for arg in "$@"; do
  case "$arg" in
    --headless)
      if [ -x "$shell" ]; then browser=$shell; fi
      rest+=("$arg") ;;
    --disable-features=*) disable+=("${arg#--disable-features=}") ;;
    --enable-features=*) enable+=("${arg#--enable-features=}") ;;
    *) rest+=("$arg") ;;
  esac
done
joined() { local IFS=,; echo "$*"; }
merged=()
if ((${#disable[@]})); then merged+=("--disable-features=$(joined "${disable[@]}")"); fi
if ((${#enable[@]})); then merged+=("--enable-features=$(joined "${enable[@]}")"); fi
exec "$browser" "${merged[@]}" "${rest[@]}"
