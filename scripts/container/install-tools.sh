#!/usr/bin/env bash
# Installs what `npm run test:container` needs on a Debian/Ubuntu host without a Docker engine:
# podman, buildah and runc from apt, and scripts/container/containers.conf as the engine settings.
# Idempotent: when everything is present it only compares one file and returns in well under a
# second. Needs root (apt and /etc/containers); prints what it did on stderr.
#
# Other jobs may run apt at the same time: DPkg::Lock::Timeout waits for the lock instead of failing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(podman buildah runc)
conf_source="$here/containers.conf"
conf_target="${CONTAINERS_CONF_TARGET:-/etc/containers/containers.conf}"

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "install-tools: ${missing[*]} missing and not root: run this script as root (or with sudo)" >&2
    exit 1
  fi
  echo "install-tools: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_get=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  # A fresh machine may have empty package lists; an install that fails on them is retried after an update.
  if ! "${apt_get[@]}" install -y "${missing[@]}" >&2; then
    "${apt_get[@]}" update >&2
    "${apt_get[@]}" install -y "${missing[@]}" >&2
  fi
else
  echo "install-tools: ${packages[*]} already installed" >&2
fi

if ! cmp -s "$conf_source" "$conf_target"; then
  if [[ -e "$conf_target" ]]; then
    echo "install-tools: replacing $conf_target (previous copy kept as $conf_target.orig)" >&2
    [[ -e "$conf_target.orig" ]] || cp "$conf_target" "$conf_target.orig"
  else
    echo "install-tools: writing $conf_target" >&2
  fi
  mkdir -p "$(dirname "$conf_target")"
  cp "$conf_source" "$conf_target"
fi

podman --version >&2
buildah --version >&2
