#!/usr/bin/env bash
# Installs what `npm run test:lifecycle` (and `npm run gha`) needs besides podman (see
# scripts/container/install-tools.sh) on a Debian/Ubuntu host: Debian's docker-registry (the
# container registry standing for ghcr.io), zip/unzip (artifact downloads through the REST API),
# openssl (the registry's token signing key), git. Idempotent: when everything is present it only
# checks the package database. Needs root; prints what it did on stderr.
set -euo pipefail

packages=(docker-registry zip unzip openssl git)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "install-lifecycle-tools: ${missing[*]} missing and not root: run this script as root (or with sudo)" >&2
    exit 1
  fi
  echo "install-lifecycle-tools: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_get=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  # --no-install-recommends: the registry alone, without a service manager's extras. A fresh
  # machine may have empty package lists; an install that fails on them is retried after an update.
  if ! "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}" >&2; then
    "${apt_get[@]}" update >&2
    "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}" >&2
  fi
else
  echo "install-lifecycle-tools: ${packages[*]} already installed" >&2
fi

docker-registry --version >&2
