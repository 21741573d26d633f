#!/usr/bin/env bash
# Install the Debian packages the test suite (or benchmark) needs, if they are missing.
# Usage: scripts/ensure-system-packages.sh COMMAND[=PACKAGE] ...
# e.g.   scripts/ensure-system-packages.sh curl wrk nginx redis-server
# A command already on PATH is skipped; otherwise its package is installed with apt-get
# (as root, or through sudo). Without apt-get, it says what is missing and fails.
set -euo pipefail
missing=()
for spec in "$@"; do
    cmd=${spec%%=*}
    pkg=${spec#*=}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing system packages: ${missing[*]} (install them; apt-get is not available)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
