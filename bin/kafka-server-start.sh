#!/usr/bin/env bash
# Starts a Samsa broker, as Kafka's script of the same name starts Kafka:
#   kafka-server-start.sh [-daemon] server.properties [--override property=value]*
# In the foreground the broker logs to the terminal and to $LOG_DIR/server.log;
# with -daemon it detaches and its console output goes to $LOG_DIR/kafkaServer.out.
# LOG_DIR defaults to logs/ next to bin/.
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
	exit 1
fi

base_dir=$(dirname "${BASH_SOURCE[0]}")
LOG_DIR=${LOG_DIR:-$(cd "$base_dir/.." && pwd)/logs}
mkdir -p "$LOG_DIR"
export LOG_DIR

extra_args=()
if [ "$1" = "-daemon" ]; then
	extra_args=(-daemon)
	shift
fi
exec "$base_dir/kafka-run-class.sh" "${extra_args[@]}" -name kafkaServer kafka-server-start "$@"
