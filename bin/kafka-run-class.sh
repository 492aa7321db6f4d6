#!/usr/bin/env bash
# Runs one of Samsa's programs the way Kafka's kafka-run-class.sh runs a class:
#
#   kafka-run-class.sh [-daemon] [-name NAME] PROGRAM [args...]
#
# PROGRAM is a Samsa binary name (kafka-server-start, kafka-topics, ...). It is
# looked up in <base>/libexec (the release tarball's layout), then in
# <base>/build/bin (a built checkout), where <base> is the directory above bin/.
# The Kafka classes that have no script of their own in Kafka's bin/ are also
# accepted by class name and mapped to their Samsa program:
#   kafka.tools.EndToEndLatency -> kafka-end-to-end-latency
#
# LOG_DIR (default <base>/logs) is created and exported: the broker writes
# server.log there. With -daemon the program is detached and its standard
# output and error go to $LOG_DIR/NAME.out, as Kafka's kafkaServer.out does;
# if SAMSA_PID_FILE is set, the detached program's process id is written there
# (Kafka has no pid files; samsa-deploy uses this to stop exactly what it started).
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "USAGE: $0 [-daemon] [-name servicename] program [opts]" >&2
	exit 1
fi

base_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

daemon_mode=false
daemon_name=""
while [ $# -gt 0 ]; do
	case "$1" in
	-daemon)
		daemon_mode=true
		shift
		;;
	-name)
		daemon_name=${2:?-name needs a value}
		shift 2
		;;
	*)
		break
		;;
	esac
done

program=${1:?program name missing}
shift
case "$program" in
kafka.tools.EndToEndLatency) program=kafka-end-to-end-latency ;;
esac

bin=""
for candidate in "$base_dir/libexec/$program" "$base_dir/build/bin/$program"; do
	if [ -x "$candidate" ]; then
		bin=$candidate
		break
	fi
done
if [ -z "$bin" ]; then
	if [ -d "$base_dir/libexec" ]; then
		echo "samsa: this installation has no $program ($base_dir/libexec/$program is missing)." >&2
	else
		echo "samsa: $program is not built: looked for $base_dir/libexec/$program and $base_dir/build/bin/$program." >&2
		echo "samsa: run \"make build\" in $base_dir first." >&2
	fi
	exit 127
fi

LOG_DIR=${LOG_DIR:-$base_dir/logs}
export LOG_DIR

if $daemon_mode; then
	mkdir -p "$LOG_DIR"
	console_output_file="$LOG_DIR/${daemon_name:-$program}.out"
	nohup "$bin" "$@" >"$console_output_file" 2>&1 </dev/null &
	if [ -n "${SAMSA_PID_FILE:-}" ]; then
		echo $! >"$SAMSA_PID_FILE"
	fi
	exit 0
fi
exec "$bin" "$@"
