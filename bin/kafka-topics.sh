#!/usr/bin/env bash
# Creates, lists, describes, alters and deletes topics, like Kafka's kafka-topics.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-topics "$@"
