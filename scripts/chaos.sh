#!/usr/bin/env bash
# chaos.sh: the fault-injection run of docs/reliability.md.
#
# Builds the binaries, then runs integration/chaos's queue workload against
# three Samsa brokers and a dedicated three-node ZooKeeper ensemble while
# brokers are killed, paused and partitioned (iptables), ZooKeeper nodes
# (and a majority) are killed and the ZooKeeper leader's clock is skewed
# (libfaketime), and prints the Markdown report (operations, faults,
# anomalies by kind). Partitions need root and iptables; they are skipped,
# and the report says so, otherwise.
#
# Environment:
#   SAMSA_CHAOS_FAULTS    comma-separated fault keys to run only those (kill,
#                         kill-controller, pause, zk-follower, zk-leader,
#                         zk-majority, partition-zk, partition-broker,
#                         partition-halves, zk-clock-skew)
#   SAMSA_CHAOS_DURATION  workload length, a Go duration (default 90s; 10m
#                         for the long run)
#   SAMSA_CHAOS_REPORT    where the report goes (default chaos-report.md in
#                         a temporary directory, printed at the end)
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${SAMSA_CHAOS_DURATION:-90s}
REPORT=${SAMSA_CHAOS_REPORT:-$(mktemp -d -t samsa-chaos.XXXXXX)/chaos-report.md}

go build -o build/bin/ ./cmd/...
export SAMSA_BIN_DIR=$PWD/build/bin
export SAMSA_CHAOS_DURATION=$DURATION
export SAMSA_CHAOS_REPORT=$REPORT

# No test timeout: the run lasts the workload, then up to two minutes of
# draining, plus the time to start and stop the processes.
status=0
go test ./integration/chaos/ -run TestQueueUnderFaults -count=1 -v -timeout 0 || status=$?
echo
echo "Report: $REPORT"
cat "$REPORT" 2>/dev/null || true
exit "$status"
