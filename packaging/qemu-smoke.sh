#!/usr/bin/env bash
# Runs an arm64 release (packaging/build-release.mjs --arch arm64) on an amd64 machine under qemu-user-static:
# its node, the three native modules, and `hcp-terminal serve --demo` up to its ready line and a health answer.
#   bash packaging/qemu-smoke.sh .package-staging/arm64/root/usr/lib/hcp-terminal/releases/<version>
# Needs qemu-user-static and the arm64 C libraries (dpkg --add-architecture arm64; apt-get install libc6:arm64
# libstdc++6:arm64 libgcc-s1:arm64 libudev1:arm64 libusb-1.0-0:arm64). docs/packaging.md, arm64, has the results.
set -euo pipefail
release="$(cd "${1:?usage: qemu-smoke.sh RELEASE_DIR}" && pwd)"
command -v qemu-aarch64-static >/dev/null || { echo "qemu-smoke: qemu-aarch64-static is missing (apt-get install qemu-user-static)" >&2; exit 3; }
[ -e /lib/ld-linux-aarch64.so.1 ] || { echo "qemu-smoke: the arm64 C library is missing (libc6:arm64 via multiarch)" >&2; exit 3; }
node() { qemu-aarch64-static "$release/node/bin/node" "$@"; }
cd "$release"

echo "node: $(node -p 'process.arch + " " + process.version')"
node -e '
const Database = require("better-sqlite3");
const db = new Database(require("os").tmpdir() + "/hcp-qemu-smoke.db");
db.pragma("journal_mode = WAL");
db.exec("create table if not exists t (x integer)"); db.prepare("insert into t values (?)").run(42);
console.log("better-sqlite3:", db.prepare("select sqlite_version() v, count(*) n from t").get());
db.close(); require("fs").rmSync(require("os").tmpdir() + "/hcp-qemu-smoke.db", { force: true });
const HID = require("node-hid"); console.log("node-hid: devices()", HID.devices().length);
const binding = require("@serialport/bindings-cpp").autoDetect();
// list() asks udevadm, absent on a machine without udev: the native binding loaded is what is checked here.
binding.list().then((p) => console.log("serialport: list()", p.length), (e) => console.log("serialport: binding loaded; list():", e.code));
'

data="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
node --max-semi-space-size=1 bin/hcp-terminal.js serve --data-dir "$data" --demo --port 0 >"$data.out" 2>"$data.err" &
pid=$!
for _ in $(seq 1 600); do
  if grep -q '"event":"ready"' "$data.out" 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$data.err" >&2; exit 1; }
  sleep 0.5
done
ready="$(head -1 "$data.out")"
echo "serve --demo: $ready"
api="$(printf '%s' "$ready" | sed -E 's/.*"api":"([^"]+)".*/\1/')"
echo "health: $(curl -fsS "$api/health")"
kill -TERM "$pid"; wait "$pid" || true
rm -f "$data.out" "$data.err"
echo "qemu-smoke: ok"
