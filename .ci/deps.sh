#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet.
# Idempotent: with everything present it only checks and prints nothing.
# An argument CMD=PKG installs PKG only when the command CMD is not on PATH
# (npm: Debian's nodejs and npm packages, or a nodejs package that brings
# its own npm and conflicts with Debian's).
set -euo pipefail
missing=()
for pkg in "$@"; do
  if [[ $pkg == *=* ]]; then
    command -v "${pkg%%=*}" >/dev/null || missing+=("${pkg#*=}")
    continue
  fi
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
