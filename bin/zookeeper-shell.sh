#!/usr/bin/env bash
# A ZooKeeper command line, like Kafka's zookeeper-shell.sh:
#   zookeeper-shell.sh host:port[/chroot] [command ...]
# Runs Samsa's own zookeeper-shell if one is built, otherwise ZooKeeper's
# ZooKeeperMain from the system's ZooKeeper jars (Debian: package zookeeper).
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "USAGE: $0 zookeeper_host:port[/path] [args...]"
	exit 1
fi

base_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for candidate in "$base_dir/libexec/zookeeper-shell" "$base_dir/build/bin/zookeeper-shell"; do
	if [ -x "$candidate" ]; then
		exec "$candidate" "$@"
	fi
done

zk_jars=${ZOOKEEPER_JARS:-/usr/share/java}
if [ ! -f "$zk_jars/zookeeper.jar" ]; then
	echo "samsa: no ZooKeeper client found: install ZooKeeper (Debian: apt-get install zookeeper) or set ZOOKEEPER_JARS to the directory holding zookeeper.jar" >&2
	exit 127
fi
classpath="$zk_jars/zookeeper.jar"
for jar in zookeeper-jute netty-all slf4j-api slf4j-nop jline; do
	if [ -f "$zk_jars/$jar.jar" ]; then
		classpath="$classpath:$zk_jars/$jar.jar"
	fi
done
server=$1
shift
exec java -cp "$classpath" org.apache.zookeeper.ZooKeeperMain -server "$server" "$@"
