#!/bin/sh
# /usr/bin/hcp-terminal: runs the release that /usr/lib/hcp-terminal/current points at, with its own Node and the
# terminal's V8 flags (main/runtime/v8-flags.ts, filled in when the package is built).
# Only this: choosing a release (trial, rollback) belongs to the updates and is added here by them.
set -e
release="${HCP_TERMINAL_RELEASE:-/usr/lib/hcp-terminal/current}"
exec "$release/node/bin/node" @V8_FLAGS@ "$release/bin/hcp-terminal.js" "$@"
