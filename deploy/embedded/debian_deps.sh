#!/usr/bin/env bash
# Install the Debian packages whose commands are missing; say nothing when none is.
# Usage: debian_deps.sh command:package ...  (called by `make debian-deps`, a prerequisite of
# `make test`). As root it installs them; otherwise it stops with the one command to type.
set -euo pipefail
# nginx lives in /usr/sbin, which an ordinary user's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The test suite needs Debian packages that are missing: ${missing[*]}" >&2
  echo "Install them, then run make test again:" >&2
  echo "    sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing Debian packages: ${missing[*]}"
# A fresh machine may have no package lists yet: update only when the first try fails.
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
  || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
