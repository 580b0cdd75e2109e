#!/usr/bin/env bash
# Installs the system packages the test suite needs. Idempotent and quiet: does nothing when all are present.
# Called by .ci/run before the tests; developers may run it by hand (needs root or sudo).
#   tinyproxy  - a real HTTP CONNECT proxy the proxy tests start on loopback (tests/integration/Hostile/TinyProxy.cs)
set -euo pipefail

missing=()
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ] || missing+=(tinyproxy)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: need ${missing[*]} but apt-get is not available; install them by hand." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-deps: need ${missing[*]}; run as root (or with sudo) to install them." >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The package's service is not wanted: the tests start their own instance with a generated config.
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed to install ${missing[*]}" >&2
  exit 1
fi
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || { echo "install-deps: tinyproxy did not install" >&2; exit 1; }
