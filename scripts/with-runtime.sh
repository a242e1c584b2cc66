#!/usr/bin/env bash
# Runs a command with the project's Node runtime (.node-version, scripts/node-runtime.sh) first on PATH, whatever
# node started npm: `npm start` and `npm run bench` measure and run the Node the package ships.
set -e
. "$(dirname "${BASH_SOURCE[0]}")/node-runtime.sh"
exec "$@"
