#!/bin/sh
# bench-compare.sh [bench_compare.py options]: one BankID login three ways
# side by side (pam_mobileid, the bare-libcurl floor, pam_exec + node with
# the npm bankid client), then 100/500/1000 logins in flight at once.
#   tests/bench/bench-compare.sh --plot doc/bench-crowd.svg
#   tests/bench/bench-compare.sh -r 1 --no-callgrind --crowd 5 --poll 1 --delay 0.5 --crowd-delay 1
# Needs root (writes /etc/pam.d/mid-bench-PID-*). Exit 1 when a login fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${MID_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${MID_BUILD_DIR:-$src/build}
for b in tests/sim/mobileid-sim pam_mobileid/pam_mobileid.so tests/bench/mid-pamhost \
	tests/bench/mid-floor tests/bench/mid-rusage; do
	[ -e "$build/$b" ] || { echo "missing $build/$b (cmake --build $build)" >&2; exit 2; }
done
export MID_SOURCE_DIR="$src" MID_BUILD_DIR="$build"
exec /usr/bin/python3 "$here/bench_compare.py" "$@"
