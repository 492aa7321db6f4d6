#!/usr/bin/env bash
# Moves partitions between brokers, like Kafka's kafka-reassign-partitions.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-reassign-partitions "$@"
