#!/usr/bin/env bash
# Installs what the end-to-end suite needs and prints nothing but progress:
#  - from Debian: Chromium (playwright-core drives it; playwright never downloads a browser),
#    ripgrep (code-server's search needs it, and its installer would fetch it from the web),
#    libkrb5-dev and pkg-config (code-server's kerberos module compiles from source);
#  - code-server (the real VS Code workbench and extension host, served to Chromium) from
#    the npm registry, into a cache folder outside the repository, reused when present.
# 4.100.3 is the newest code-server that runs on Node 20. Safe to run again: it only
# installs what is missing.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
CACHE="${PRUNELENS_E2E_CACHE:-$HOME/.cache/prunelens-e2e}"
TARGET="$CACHE/code-server-$CODE_SERVER_VERSION"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: apt-get update only when something is missing, as it is the slow part.
packages=(chromium libkrb5-dev pkg-config ripgrep)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "e2e setup: installing ${missing[*]} from Debian"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ -x "$TARGET/node_modules/.bin/code-server" ] && [ -f "$TARGET/.complete" ]; then
  echo "e2e setup: code-server $CODE_SERVER_VERSION found in $TARGET"
  exit 0
fi

echo "e2e setup: installing code-server $CODE_SERVER_VERSION into $TARGET"
mkdir -p "$CACHE"
work="$(mktemp -d "$CACHE/.install-XXXXXX")"
tmp="$(mktemp -d)"
trap 'rm -rf "$work" "$tmp"' EXIT

# @vscode/ripgrep's postinstall downloads ripgrep unless its cache already holds the
# release tarball; Debian's rg packed under that name satisfies it.
arch="$(uname -m)"
case "$arch" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-gnu ;;
  *) echo "e2e setup: no ripgrep cache name known for $arch" >&2; exit 1 ;;
esac
mkdir -p "$tmp/vscode-ripgrep-cache-1.15.11"
tar -czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-$rg_target.tar.gz" -C "$(dirname "$(command -v rg)")" rg

# Native modules (node-pty, argon2, kerberos) compile against this Node's own headers,
# which node-gyp would otherwise download.
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -f "$node_prefix/include/node/common.gypi" ]; then export npm_config_nodedir="$node_prefix"; fi

echo '{ "private": true }' > "$work/package.json"
# code-server's postinstall refuses to run as root without unsafe_perm, and node-pty's
# build runs `npx node-gyp`, which waits for a yes.
(cd "$work" && TMPDIR="$tmp" npm_config_yes=true npm_config_unsafe_perm=true \
  npm install --no-audit --no-fund --no-save --foreground-scripts --loglevel=error "code-server@$CODE_SERVER_VERSION")
touch "$work/.complete"
rm -rf "$TARGET"
mv "$work" "$TARGET"
echo "e2e setup: code-server ready"
