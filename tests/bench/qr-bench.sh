#!/bin/sh
# qr-bench.sh [--frames N] [--no-callgrind]: what one animated BankID QR
# frame costs, QRcode_encodeString (before qrmask.c) against qrmask_encode
# (now) and the re-encode alternative: instructions per frame (callgrind,
# only encode_frames counted) and CPU time per frame (getrusage).
set -eu
frames=100
callgrind=1
while [ $# -gt 0 ]; do
	case "$1" in
	--frames) frames="$2"; shift 2 ;;
	--no-callgrind) callgrind=0; shift ;;
	*) echo "usage: $0 [--frames N] [--no-callgrind]" >&2; exit 2 ;;
	esac
done
build="${MID_BUILD_DIR:-build}"
bench="$build/tests/bench/mid-qr-bench"
[ -x "$bench" ] || { echo "no $bench (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '| way | Ir per frame | CPU per frame |\n|---|---|---|\n'
for way in library scored reencode; do
	cpu=$("$bench" "$way" "$frames" | sed 's/.*, \(.*\) CPU.*/\1/')
	ir=-
	if [ "$callgrind" = 1 ]; then
		valgrind --tool=callgrind --toggle-collect=encode_frames \
			--callgrind-out-file="$tmp/cg.$way" \
			"$bench" "$way" "$frames" >/dev/null 2>"$tmp/log.$way" ||
			{ cat "$tmp/log.$way" >&2; exit 1; }
		total=$(sed -n 's/^summary: *//p' "$tmp/cg.$way")
		ir=$(awk -v t="$total" -v n="$frames" \
			'BEGIN { printf "%.0f", t / n }')
	fi
	printf '| %s | %s | %s |\n' "$way" "$ir" "$cpu"
done
