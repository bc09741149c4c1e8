#!/bin/sh
# run-sim-load.sh [mobileid-sim-load options]: load mobileid-sim and print the numbers.
# Defaults: 1000 pending orders, pool of 1000 keep-alive connections, 30 s of
# collects every 2 s. Examples:
#   tests/bench/run-sim-load.sh --orders 2000 --conns 100 --duration 60
#   tests/bench/run-sim-load.sh --fresh --duration 20   # new TLS connection per request
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${MID_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${MID_BUILD_DIR:-$src/build}
sim=$build/tests/sim/mobileid-sim
load=$build/tests/bench/mobileid-sim-load
for b in "$sim" "$load"; do
	[ -x "$b" ] || { echo "missing $b (cmake --build $build --target mobileid-sim mobileid-sim-load)" >&2; exit 2; }
done
certs=$build/tests/certs
sh "$src/tests/lib/mkcerts.sh" "$certs"
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# Orders must stay pending for the whole run: long start/expire windows.
"$sim" --cert "$certs/server.pem" --key "$certs/server.key" \
	--client-ca "$certs/clientca.pem" --port-file "$tmp/ports" \
	--start-failed-ms 3600000 --expire-ms 3600000 2>"$tmp/sim.log" &
pid=$!
i=0
while [ ! -s "$tmp/ports" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { cat "$tmp/sim.log" >&2; exit 2; }
	sleep 0.05
done
api=$(sed 's/.*"api":\([0-9]*\).*/\1/' "$tmp/ports")
ctl=$(sed 's/.*"control":\([0-9]*\).*/\1/' "$tmp/ports")
echo "mobileid-sim pid $pid, api port $api, idle RSS $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"
rc=0
"$load" --url "https://localhost:$api/rp/v6.0/" --certs "$certs" --sim-pid "$pid" "$@" || rc=$?
stats=$(curl -s --noproxy '*' "http://127.0.0.1:$ctl/stats" || true)
echo "simulator stats   $stats"
echo "$stats" | grep -q '"pending":0' || { echo "orders left pending" >&2; rc=1; }
exit $rc
