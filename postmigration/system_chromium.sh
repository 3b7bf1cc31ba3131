#!/usr/bin/env bash
# Debian's Chromium as the suite launches it. Chromium reads only the last --disable-features
# (and --enable-features) switch, and Playwright passes its own before ours: this merges every
# one of each into a single switch, so neither list is lost, then starts /usr/bin/chromium.
set -euo pipefail
disable=() enable=() rest=()
for arg in "$@"; do
  case "$arg" in
    --disable-features=*) disable+=("${arg#--disable-features=}") ;;
    --enable-features=*) enable+=("${arg#--enable-features=}") ;;
    *) rest+=("$arg") ;;
  esac
done
joined() { local IFS=,; echo "$*"; }
merged=()
if ((${#disable[@]})); then merged+=("--disable-features=$(joined "${disable[@]}")"); fi
if ((${#enable[@]})); then merged+=("--enable-features=$(joined "${enable[@]}")"); fi
exec /usr/bin/chromium "${merged[@]}" "${rest[@]}"
