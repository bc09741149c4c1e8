#!/bin/sh
# bench-module.sh [bench_module.py options]: the cost of one pam_mobileid login
# on the host: wall time, CPU user+sys and peak RSS of the process the module
# runs in, callgrind instruction count of one login, TLS connections per login
# as the simulator saw them; each next to a pam_permit.so baseline. Examples:
#   tests/bench/bench-module.sh                 # 20 logins one at a time + callgrind
#   tests/bench/bench-module.sh -n 100 -j 8     # a busy host: 8 logins at a time
#   tests/bench/bench-module.sh --qr off --no-callgrind
#   tests/bench/bench-module.sh --provider passbyme  # the same against passbyme-sim
# Exit 1 when a login fails or a login takes other than 1 TLS connection.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${MID_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${MID_BUILD_DIR:-$src/build}
for b in "$build/pam_mobileid/pam_mobileid.so"; do
	[ -e "$b" ] || { echo "missing $b (cmake --build $build)" >&2; exit 2; }
done
command -v pamtester >/dev/null || { echo "missing pamtester" >&2; exit 2; }
export MID_SOURCE_DIR="$src" MID_BUILD_DIR="$build"
exec /usr/bin/python3 "$here/bench_module.py" "$@"
