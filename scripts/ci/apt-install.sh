#!/usr/bin/env bash
# Installs Debian packages that CI and the test tiers need, once: the packages dpkg already has
# are skipped (with everything present this only reads the package database, well under a
# second); the rest are installed with apt-get as root, through sudo when this shell is not root.
# Other jobs may run apt at the same time, so apt waits for the dpkg lock instead of failing. A
# fresh machine may have empty or stale package lists: an install that fails on them is retried
# once after `apt-get update`. Progress goes to stderr.
#
# Usage: scripts/ci/apt-install.sh [--with-recommends] PACKAGE...
#   --with-recommends  also install the packages' Recommends (podman needs its networking and
#                      runtime helpers); by default only Depends are installed.
# Exit codes: 0 installed or already present; 1 apt failed or not root and no sudo; 2 usage.
set -euo pipefail

arguments=("$@")
recommends=(--no-install-recommends)
if [[ "${1:-}" == --with-recommends ]]; then
  recommends=()
  shift
fi
if (($# == 0)) || [[ "$1" == -* ]]; then
  echo "usage: scripts/ci/apt-install.sh [--with-recommends] PACKAGE..." >&2
  exit 2
fi

missing=()
for package in "$@"; do
  if ! dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "apt-install: $* already installed" >&2
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --preserve-env=DEBIAN_FRONTEND "$0" "${arguments[@]}"
  fi
  echo "apt-install: ${missing[*]} missing and not root: run this script as root (or install sudo)" >&2
  exit 1
fi

echo "apt-install: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_get=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
if ! "${apt_get[@]}" install -y "${recommends[@]}" "${missing[@]}" >&2; then
  "${apt_get[@]}" update >&2
  "${apt_get[@]}" install -y "${recommends[@]}" "${missing[@]}" >&2
fi
