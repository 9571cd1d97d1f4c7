#!/usr/bin/env bash
# Builds a small local Node.js base image, for machines that cannot pull node:20-bookworm-slim
# (this project's CI host has no route to Docker Hub). The serving Dockerfile takes its base as
# the BASE_IMAGE build argument; on GitHub it stays node:20-bookworm-slim.
#
# The image is assembled FROM scratch out of this host's own files and imported with
# `podman import` (or `docker import`): no network, about ten seconds. It holds what the
# Dockerfile's stages use and nothing else:
#   /usr/local/bin/node                   this host's node (the official image's layout)
#   /usr/local/lib/node_modules/npm       this host's npm, with npm and npx links
#   /usr/bin/dash (as /bin/sh), /usr/bin/env   for RUN steps and npm scripts (`#!/usr/bin/env node`)
#   the shared libraries ldd lists for them, /etc/passwd and /etc/group (root, nobody), /tmp
# (A debootstrap --variant=minbase bookworm root measured 36 s and 206 MB before node was added,
# and needs deb.debian.org; this one needs nothing.)
#
# The image is cached by tag: the tag carries a hash of every input (this script, the node and
# dash binaries, npm's version, the libraries), so a changed input builds a new image and an
# unchanged one is reused in well under a second. Older tags of the repository are removed.
#
# Usage: scripts/container/build-base-image.sh [REPOSITORY]   (default localhost/mlops-node-base)
# Prints the image reference (REPOSITORY:node<major>-<hash>) on stdout; progress goes to stderr.
# Also tags REPOSITORY:latest. ENGINE=podman|docker picks the engine (default: podman when found).
set -euo pipefail

repository="${1:-localhost/mlops-node-base}"
engine="${ENGINE:-}"
if [[ -z "$engine" ]]; then
  if command -v podman >/dev/null 2>&1; then engine=podman; elif command -v docker >/dev/null 2>&1; then engine=docker; else
    echo "build-base-image: neither podman nor docker is on PATH (run scripts/container/install-tools.sh)" >&2
    exit 1
  fi
fi

node_bin="$(readlink -f "$(command -v node)")"
npm_root="$(npm root -g)/npm"
dash_bin="$(readlink -f "$(command -v dash)")"
env_bin="$(readlink -f "$(command -v env)")"
for required in "$node_bin" "$dash_bin" "$env_bin" "$npm_root/bin/npm-cli.js"; do
  [[ -e "$required" ]] || { echo "build-base-image: missing $required" >&2; exit 1; }
done

# The libraries the loader resolves for each binary, as absolute paths (the vdso has none).
mapfile -t libraries < <(ldd "$node_bin" "$dash_bin" "$env_bin" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }' | sort -u)

node_version="$("$node_bin" --version)"
node_major="${node_version#v}"
node_major="${node_major%%.*}"
npm_version="$("$node_bin" "$npm_root/bin/npm-cli.js" --version)"
inputs_hash="$(
  {
    sha256sum "${BASH_SOURCE[0]}" "$node_bin" "$dash_bin" "$env_bin"
    for library in "${libraries[@]}"; do sha256sum "$(readlink -f "$library")"; done
    echo "npm $npm_version"
  } | sed 's/ .*\//  /' | sha256sum | cut -c1-12
)"
tag="$repository:node$node_major-$inputs_hash"

if "$engine" image inspect "$tag" >/dev/null 2>&1; then
  echo "build-base-image: $tag is up to date" >&2
  "$engine" tag "$tag" "$repository:latest"
  echo "$tag"
  exit 0
fi

echo "build-base-image: building $tag (node $node_version, npm $npm_version) with $engine" >&2
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

# A merged-/usr layout like Debian bookworm's: /bin, /lib and /lib64 point into /usr.
mkdir -p "$rootfs"/usr/{bin,sbin,lib,lib64} "$rootfs"/usr/local/{bin,lib/node_modules} "$rootfs"/{etc,root,tmp}
ln -s usr/bin "$rootfs/bin"
ln -s usr/sbin "$rootfs/sbin"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"

for library in "${libraries[@]}"; do
  target="$rootfs/usr${library#/usr}"
  mkdir -p "$(dirname "$target")"
  cp -L "$library" "$target"
done
cp "$dash_bin" "$rootfs/usr/bin/dash"
ln -s dash "$rootfs/usr/bin/sh"
cp "$env_bin" "$rootfs/usr/bin/env"
cp "$node_bin" "$rootfs/usr/local/bin/node"
cp -a "$npm_root" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF

tar --create --directory "$rootfs" --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 . |
  "$engine" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --change "LABEL org.opencontainers.image.description=\"Local Node.js $node_version base (node, npm, sh) built by scripts/container/build-base-image.sh\"" \
    --change "LABEL mlops.base.inputs=$inputs_hash" \
    - "$tag" >/dev/null
"$engine" tag "$tag" "$repository:latest"

# Older builds of this repository are superseded; images still used by containers stay.
while read -r reference; do
  if [[ "$reference" != "$tag" && "$reference" != "$repository:latest" ]]; then
    "$engine" rmi "$reference" >/dev/null 2>&1 || true
  fi
done < <("$engine" images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$repository" 2>/dev/null || true)

echo "build-base-image: built $tag" >&2
echo "$tag"
