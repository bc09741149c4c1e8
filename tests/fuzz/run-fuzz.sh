#!/bin/sh
# Builds the libFuzzer targets with clang (ASan/UBSan) and runs each for N
# seconds (default 60), starting from the committed seed corpus. Prints the
# exec count per target and any crash; exits 1 if a target crashed.
#   tests/fuzz/run-fuzz.sh [seconds] [target...]
set -u
secs=${1:-60}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${MID_FUZZ_BUILD:-$src/build-fuzz}
targets=${*:-fuzz_config fuzz_args fuzz_usermap fuzz_pnr fuzz_collect fuzz_oauth1 fuzz_passbyme fuzz_toopher fuzz_credcache fuzz_audit fuzz_xmlsig fuzz_tlskeep}
out=$build/fuzz-out

CC=clang cmake -S "$src" -B "$build" -DMID_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets >/dev/null || exit 2

mkdir -p "$out"
status=0
for t in $targets; do
	work=$out/$t
	mkdir -p "$work/corpus" "$work/artifacts"
	# a crash counts for the run that found it only
	rm -f "$work/artifacts/"*
	# the seeds stay as they are; new inputs go to the work corpus
	"$build/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" -max_len=4096 \
		"$work/corpus" "$here/corpus/$t" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	crashes=$(ls "$work/artifacts" 2>/dev/null | wc -l)
	printf '%-14s %8s s  execs %-10s execs/s %-7s crashes %s (rc %s)\n' \
		"$t" "$secs" "${execs:-?}" "${speed:-?}" "$crashes" "$rc"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		status=1
		ls "$work/artifacts" | sed "s|^|    $work/artifacts/|"
		grep -m1 -A15 'ERROR:\|==ERROR\|runtime error\|deadly signal' "$work/log" | sed 's/^/    /'
	fi
done
exit $status
