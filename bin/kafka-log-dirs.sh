#!/usr/bin/env bash
# Describes the brokers' log directories, like Kafka's kafka-log-dirs.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-log-dirs "$@"
