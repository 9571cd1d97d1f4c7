#!/usr/bin/env bash
# Installs Debian's `prometheus` package for its `promtool`: the alerting rules in deploy/prometheus
# are checked and unit-tested with it, and /metrics is linted with `promtool check metrics`.
# Idempotent: does nothing when promtool already runs. Waits for the dpkg lock like install-chromium.sh.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && promtool --version >/dev/null 2>&1; then
  echo "promtool already installed: $(promtool --version 2>&1 | head -1)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --preserve-env=DEBIAN_FRONTEND "$0" "$@"
  fi
  echo "install-promtool.sh: run as root (or install sudo) to apt-get install prometheus" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus
echo "installed: $(promtool --version 2>&1 | head -1)"
