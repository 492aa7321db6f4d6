#!/usr/bin/env bash
# Measures produce throughput and latency, like Kafka's kafka-producer-perf-test.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-producer-perf-test "$@"
