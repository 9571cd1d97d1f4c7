#!/usr/bin/env bash
# Installs what `npm run test:container` needs on a Debian/Ubuntu host without a Docker engine:
# podman, buildah and runc from apt, and scripts/container/containers.conf as the engine settings.
# Idempotent: when everything is present it only reads the package database and compares one
# file, in well under a second. Needs root (apt, through scripts/ci/apt-install.sh, and
# /etc/containers); prints what it did on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(podman buildah runc)
conf_source="$here/containers.conf"
conf_target="${CONTAINERS_CONF_TARGET:-/etc/containers/containers.conf}"

bash "$here/../ci/apt-install.sh" --with-recommends "${packages[@]}"

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
