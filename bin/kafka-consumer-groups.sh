#!/usr/bin/env bash
# Lists, describes and resets consumer groups, like Kafka's kafka-consumer-groups.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-consumer-groups "$@"
