#!/usr/bin/env bash
# System packages the test suite needs beyond the Python ones: Debian's Chromium, which the
# browser tests (tests/browser/) drive through Playwright. Playwright's own browser download is
# not used, because it fetches a browser build from outside the package registries.
#
# Idempotent: does nothing when /usr/bin/chromium is already there. As root it installs the
# packages with apt-get; otherwise it says how to install them and exits 0, so that `make test`
# still runs and the browser tests skip with that reason.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-dejavu-core)

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-system-deps: $CHROMIUM is missing and this system has no apt-get;" \
    "install Chromium so that it is at $CHROMIUM, or the browser tests will be skipped" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-system-deps: $CHROMIUM is missing; install it with" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
  echo "until then the browser tests (tests/browser/) are skipped" >&2
  exit 0
fi

echo "install-test-system-deps: installing ${PACKAGES[*]} (for the browser tests)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
test -x "$CHROMIUM"
