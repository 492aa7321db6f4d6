#!/usr/bin/env bash
# Reads lines from standard input and produces them to a topic, like Kafka's kafka-console-producer.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-console-producer "$@"
