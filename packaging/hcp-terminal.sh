#!/bin/sh
# /usr/bin/hcp-terminal: runs the terminal's commands with the last known good release's own Node and code, and the
# terminal's V8 flags (main/runtime/v8-flags.ts, filled in when the package is built).
# Choosing a release is the launcher's job (docs/updates.md): `serve` gets --releases-dir, and then runs `current` as a
# child, counts the starts of a release on trial, and goes back to `good` after 3 that fail. The launcher itself runs
# from `good`, never from the release under trial, so a broken release cannot judge itself.
set -e
lib=/usr/lib/hcp-terminal
release="${HCP_TERMINAL_RELEASE:-}"
if [ -z "$release" ]; then
  if [ -x "$lib/good/node/bin/node" ]; then release="$lib/good"; else release="$lib/current"; fi
fi
if [ "$1" = serve ]; then
  shift
  set -- serve --releases-dir "$lib/releases" "$@"
fi
exec "$release/node/bin/node" @V8_FLAGS@ "$release/bin/hcp-terminal.js" "$@"
