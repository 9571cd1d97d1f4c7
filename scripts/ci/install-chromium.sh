#!/usr/bin/env bash
# Installs Debian's `chromium` for the dashboard and Mermaid tests (headless screenshots and
# mermaid.parse in a real browser), with a font for its text. Idempotent (scripts/ci/apt-install.sh).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" chromium fonts-dejavu-core
chromium --version >&2
