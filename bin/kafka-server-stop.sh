#!/usr/bin/env bash
# Stops every Samsa broker running on this host, as Kafka's script of the same
# name does: it finds the broker processes by name and sends them SIGTERM
# (or $SIGNAL), which makes a broker shut down cleanly.
set -euo pipefail

signal=${SIGNAL:-TERM}

# A broker is a process whose program (first word of its command line) is
# called kafka-server-start, wherever it was installed.
pids=$(ps -eo pid=,args= | awk '{
	n = split($2, parts, "/")
	if (parts[n] == "kafka-server-start") print $1
}')

if [ -z "$pids" ]; then
	echo "No kafka server to stop"
	exit 1
fi
# shellcheck disable=SC2086 # one argument per pid
kill -s "$signal" $pids
