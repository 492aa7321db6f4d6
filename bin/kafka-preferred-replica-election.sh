#!/usr/bin/env bash
# Moves leadership back to the preferred replicas, like Kafka's kafka-preferred-replica-election.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-preferred-replica-election "$@"
