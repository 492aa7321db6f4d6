#!/usr/bin/env bash
# Consumes a topic and prints its messages, like Kafka's kafka-console-consumer.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-console-consumer "$@"
