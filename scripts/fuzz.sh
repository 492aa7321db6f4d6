#!/usr/bin/env bash
# fuzz.sh: every `go test -fuzz` target of the repository, for a fixed time
# each, one after the other.
#
# The targets are found with grep (`func FuzzX(f *testing.F)` in a _test.go
# file), so a new fuzz target is run without editing this script. A target
# that finds a failing input fails the run; Go writes that input to
# testdata/fuzz/FuzzX/ in the target's package, where it stays as a
# regression input once the bug is fixed. The summary table is printed at
# the end (target, package, execs, result).
#
# Environment:
#   FUZZTIME      time per target, a Go duration or Nx (default 10s)
#   FUZZPARALLEL  fuzzing workers per target (default: go test's, GOMAXPROCS)
#   FUZZMATCH     only targets whose name matches this extended regexp
#                 (default: all)
set -uo pipefail

cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
FUZZMATCH=${FUZZMATCH:-.}
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
	parallel=(-parallel "$FUZZPARALLEL")
fi

out=$(mktemp -d -t samsa-fuzz.XXXXXX)
trap 'rm -rf "$out"' EXIT

# "package target" lines, sorted so runs are comparable. Generated and
# vendored trees (build/, dist/, hidden directories) are skipped.
targets=$(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . \
	--exclude-dir=.git --exclude-dir=build --exclude-dir=dist --exclude-dir=vendor --exclude-dir=testdata |
	sed -E 's|^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*|\1 \2|' |
	awk -v m="$FUZZMATCH" '$2 ~ m' | sort -u)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz targets match $FUZZMATCH" >&2
	exit 1
fi

start=$(date +%s)
failed=0
rows=()
while read -r pkg target; do
	log="$out/${pkg//\//_}.$target.log"
	echo "=== $target ./$pkg (FUZZTIME=$FUZZTIME)"
	ok=false
	for attempt in 1 2; do
		if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "${parallel[@]}" "./$pkg" >"$log" 2>&1; then
			ok=true
			break
		fi
		# Go's fuzzing coordinator sometimes fails at the end of -fuzztime
		# with "context deadline exceeded" and no input when a worker is slow
		# to stop on a loaded machine; that is no finding, so the target
		# runs once more. A real finding always names its input file.
		if grep -q 'testdata/fuzz/' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
			break
		fi
		echo "    (no failing input, the fuzzing run timed out stopping; running it again)"
	done
	if $ok; then
		result=ok
	else
		result=FAIL
		failed=$((failed + 1))
		cat "$log"
	fi
	# The last progress line carries the total: "fuzz: elapsed: 10s, execs: 123 (12/sec), ...".
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$result" = FAIL ]; then
		input=$(grep -oE 'testdata/fuzz/[^ ]+' "$log" | tail -n 1)
		[ -n "$input" ] && result="FAIL ($pkg/$input)"
	fi
	rows+=("$target|./$pkg|${execs:--}|$result")
	echo "    execs ${execs:--}: $result"
done <<<"$targets"
elapsed=$(($(date +%s) - start))

echo
printf '%-28s %-36s %12s  %s\n' TARGET PACKAGE EXECS RESULT
for row in "${rows[@]}"; do
	IFS='|' read -r target pkg execs result <<<"$row"
	printf '%-28s %-36s %12s  %s\n' "$target" "$pkg" "$execs" "$result"
done
echo
echo "${#rows[@]} targets, $failed failed, ${elapsed}s in all (FUZZTIME=$FUZZTIME)"
[ "$failed" -eq 0 ]
