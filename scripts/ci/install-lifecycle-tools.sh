#!/usr/bin/env bash
# Installs what `npm run test:lifecycle` (and `npm run gha`) needs besides podman (see
# scripts/container/install-tools.sh) on a Debian/Ubuntu host: Debian's docker-registry (the
# container registry standing for ghcr.io), zip/unzip (artifact downloads through the REST API),
# openssl (the registry's token signing key), git. Idempotent (scripts/ci/apt-install.sh).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" docker-registry zip unzip openssl git
docker-registry --version >&2
