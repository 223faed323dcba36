#!/usr/bin/env bash
# Chromium for the viewer's end-to-end tests (apps/viewer-e2e, #15): the Debian package, driven by
# playwright-core through its executable. Playwright's own browser download cannot work on these
# machines, so nothing downloads a browser at install time; this installs the system one.
#
#   tools/ci/chromium.sh install   -> installs the `chromium` package with apt-get when no Chromium
#                                     executable is found; does nothing otherwise (idempotent);
#                                     prints the executable's path
set -euo pipefail
cmd=${1:?install}

find_bin() {
  local b
  for b in "${TAPES_CHROMIUM:-}" "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium "$(command -v chromium-browser 2>/dev/null || true)"; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

case "$cmd" in
  install)
    if find_bin; then exit 0; fi
    echo "chromium missing: installing the Debian package with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq chromium >&2; then
      apt-get update -qq >&2 && apt-get install -y -qq chromium >&2
    fi
    find_bin
    ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
