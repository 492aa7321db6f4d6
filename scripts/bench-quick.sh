#!/usr/bin/env bash
# bench-quick.sh: the quick benchmark of docs/benchmarks.md.
#
# Three rounds; each round runs the same-minute baselines (a direct-I/O dd
# for the disk and a loopback TCP probe), then the produce/consume run of
# integration/bench_test.go against three Samsa brokers and against three
# Apache Kafka 2.4.1 brokers, and finally the storage package's Go
# benchmarks. Everything is printed; summarize min/median/max by hand or with
# the awk line at the end.
#
# Environment:
#   RECORDS   records of 1 KiB per produce/consume run (default 200000)
#   ROUNDS    rounds (default 3)
#   KINDS     broker kinds to measure (default "samsa kafka")
#   SCRATCH   directory for the dd probe file (default: the system temp dir)
set -euo pipefail

cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-200000}
ROUNDS=${ROUNDS:-3}
KINDS=${KINDS:-samsa kafka}
if [ -n "${SCRATCH:-}" ]; then
	OUT=$(mktemp -d -p "$SCRATCH" samsa-bench.XXXXXX)
else
	OUT=$(mktemp -d -t samsa-bench.XXXXXX)
fi
trap 'rm -rf "$OUT"' EXIT

go build -o build/bin/ ./cmd/...
export SAMSA_BIN_DIR=$PWD/build/bin

# disk_probe prints MB/s of a 512 MiB direct-I/O write (Confluent's method).
disk_probe() {
	local f="$OUT/dd.probe"
	dd if=/dev/zero of="$f" bs=1M count=512 oflag=direct 2>&1 | awk '/copied/ {print "dd_direct_MBps=" $(NF-1) " " $NF}'
	rm -f "$f"
}

# loopback_probe prints the MB/s of one loopback TCP stream of 1 MiB writes
# for 3 s (sender and receiver in one process, two threads).
loopback_probe() {
	python3 - <<'PY'
import socket, threading, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
got = [0]
def recv():
    c, _ = srv.accept()
    buf = bytearray(1 << 20)
    while True:
        n = c.recv_into(buf)
        if n == 0:
            break
        got[0] += n
t = threading.Thread(target=recv); t.start()
s = socket.create_connection(("127.0.0.1", port))
chunk = b"\0" * (1 << 20)
start = time.time()
while time.time() - start < 3:
    s.sendall(chunk)
s.close(); t.join()
print("loopback_MBps=%.0f" % (got[0] / (time.time() - start) / 1e6))
PY
}

for round in $(seq 1 "$ROUNDS"); do
	echo "### round $round $(date -u +%FT%TZ)"
	disk_probe
	loopback_probe
	for kind in $KINDS; do
		SAMSA_BENCH=$kind SAMSA_BENCH_RECORDS=$RECORDS \
			go test ./integration/ -run '^TestBenchQuick$' -count=1 -v -timeout 20m 2>&1 |
			grep -o 'BENCH .*' || echo "BENCH kind=$kind FAILED"
	done
done

echo "### storage benchmarks $(date -u +%FT%TZ)"
disk_probe
go test -run '^$' -bench . -benchmem -count 3 ./storage

# Medians, e.g. of produce_MBps per kind and rf:
#   ./scripts/bench-quick.sh | tee bench.out
#   grep '^BENCH' bench.out | awk '{print $2, $3, $5}' | sort | uniq -c
