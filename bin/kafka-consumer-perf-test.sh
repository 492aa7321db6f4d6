#!/usr/bin/env bash
# Measures consume throughput, like Kafka's kafka-consumer-perf-test.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-consumer-perf-test "$@"
