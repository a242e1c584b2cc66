#!/bin/sh
# /usr/bin/hcp-terminal: runs the terminal's commands with the last known good release's own Node and code, and the
# terminal's V8 flags (main/runtime/v8-flags.ts, filled in when the package is built).
# Choosing a release is the launcher's job (docs/updates.md): `serve` gets --releases-dir, and then runs `current` as a
# child, counts the starts of a release on trial, and goes back to `good` after 3 that fail. The launcher itself runs
# from `good`, never from the release under trial, so a broken release cannot judge itself.
# `good` and `current` belong to the service user (its launcher rewrites them), and root runs this script too: only the
# last part of a link's target counts, as a real folder under $lib/releases/ (root's alone). A link aimed anywhere
# else names nothing, and its target is never run (main/update/layout.ts, linkedVersion, is the same rule).
set -e
lib=/usr/lib/hcp-terminal

# The release folder a pointer names, or nothing.
release_of() {
  target="$(readlink "$lib/$1" 2>/dev/null)" || return 1
  name="${target##*/}"
  case "$name" in
    '' | .* | *[!0-9A-Za-z.+~_-]*) return 1 ;;
  esac
  dir="$lib/releases/$name"
  [ -d "$dir" ] && [ ! -L "$dir" ] && [ -x "$dir/node/bin/node" ] || return 1
  printf '%s\n' "$dir"
}

release="${HCP_TERMINAL_RELEASE:-}"
if [ -z "$release" ]; then
  release="$(release_of good)" || release="$(release_of current)" || {
    echo "hcp-terminal: no release to run: $lib/good and $lib/current name no folder under $lib/releases/ (reinstall the package)" >&2
    exit 3
  }
fi
if [ "$1" = serve ]; then
  shift
  set -- serve --releases-dir "$lib/releases" "$@"
fi
exec "$release/node/bin/node" @V8_FLAGS@ "$release/bin/hcp-terminal.js" "$@"
