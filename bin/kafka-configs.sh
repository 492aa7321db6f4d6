#!/usr/bin/env bash
# Describes and alters topic and broker configuration, like Kafka's kafka-configs.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka-configs "$@"
