#!/usr/bin/env bash
# bench.sh: the full benchmark of docs/benchmarks.md (make bench).
#
# Runs integration/bench_full_test.go's TestBench: scenarios S1-S6 of the
# performance notes, each three times against three Samsa brokers and three
# times against three Apache Kafka 2.4.1 brokers (alternated), with a dd and
# loopback probe right before each scenario, and writes bench.json, bench.md
# and bench.png (plus bench.log, the test's output) into OUT.
#
# Environment:
#   SCALE      multiplies record counts and durations (default 1: about 20
#              minutes on a 2-core machine; 0.05 checks the pipeline in ~5)
#   RUNS       runs per broker kind and scenario (default 3)
#   SCENARIOS  "all" or a comma list such as S1,S6 (default all)
#   TOOLS      "go" (Samsa's franz-go perf tools, default) or "java" (Kafka's)
#   OUT        report directory (default build/bench)
set -euo pipefail

cd "$(dirname "$0")/.."
SCALE=${SCALE:-1}
RUNS=${RUNS:-3}
SCENARIOS=${SCENARIOS:-all}
TOOLS=${TOOLS:-go}
OUT=${OUT:-build/bench}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

go build -o build/bin/ ./cmd/...
export SAMSA_BIN_DIR=$PWD/build/bin

echo "bench: SCALE=$SCALE RUNS=$RUNS SCENARIOS=$SCENARIOS TOOLS=$TOOLS -> $OUT ($(date -u +%FT%TZ))"
SAMSA_BENCH_SCENARIOS=$SCENARIOS SAMSA_BENCH_SCALE=$SCALE SAMSA_BENCH_RUNS=$RUNS \
	SAMSA_BENCH_REPORT=$OUT SAMSA_BENCH_TOOLS=$([ "$TOOLS" = java ] && echo java || true) \
	go test ./integration/ -run '^TestBench$' -count=1 -v -timeout 0 >"$OUT/bench.log" 2>&1 &&
	status=0 || status=$?
grep -o 'BENCH .*' "$OUT/bench.log" || true
if [ "$status" -ne 0 ]; then
	grep -v '^        \[' "$OUT/bench.log" | tail -40 >&2
	echo "bench: FAILED (full output in $OUT/bench.log)" >&2
	exit "$status"
fi
echo "bench: report in $OUT/bench.md, $OUT/bench.json, $OUT/bench.png ($(date -u +%FT%TZ))"
