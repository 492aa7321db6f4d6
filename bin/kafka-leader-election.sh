#!/usr/bin/env bash
# Elects preferred or unclean leaders, like Kafka's kafka-leader-election.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-leader-election "$@"
