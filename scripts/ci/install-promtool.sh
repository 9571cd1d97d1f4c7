#!/usr/bin/env bash
# Installs Debian's `prometheus` package for its `promtool`: the alerting rules in deploy/prometheus
# are checked and unit-tested with it, and /metrics is linted with `promtool check metrics`.
# Idempotent (scripts/ci/apt-install.sh).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" prometheus
promtool --version 2>&1 | head -1 >&2
