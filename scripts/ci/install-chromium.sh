#!/usr/bin/env bash
# Installs Debian's `chromium` for the dashboard and Mermaid tests (headless screenshots and
# mermaid.parse in a real browser). Idempotent: does nothing when /usr/bin/chromium already runs.
# Other jobs may use apt at the same time, so every apt call waits for the dpkg lock instead of failing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; then
  echo "chromium already installed: $(chromium --version)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --preserve-env=DEBIAN_FRONTEND "$0" "$@"
  fi
  echo "install-chromium.sh: run as root (or install sudo) to apt-get install chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium fonts-dejavu-core
echo "installed: $(chromium --version)"
