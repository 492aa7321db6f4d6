#!/usr/bin/env bash
# Deletes records below an offset, like Kafka's kafka-delete-records.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-delete-records "$@"
