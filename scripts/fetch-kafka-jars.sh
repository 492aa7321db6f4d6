#!/usr/bin/env bash
# fetch-kafka-jars.sh DIR [KAFKA_VERSION] [SCALA_VERSION]
#
# Copies Apache Kafka's jars and their dependencies into DIR with Maven, so that
# the integration tests can run Kafka's own tools (kafka.admin.TopicCommand,
# kafka.tools.ConsoleProducer, ConsoleConsumer, DumpLogSegments, ...) and a
# real Kafka broker with `java -cp 'DIR/*' <class> ...`.
#
# The jars are never part of the repository: DIR is a cache outside it
# (the Makefile uses $HOME/.cache/samsa/kafka-<version>/libs).
set -euo pipefail

dir=${1:?usage: fetch-kafka-jars.sh DIR [KAFKA_VERSION] [SCALA_VERSION]}
kafka_version=${2:-2.4.1}
scala_version=${3:-2.13}

# A marker written last tells a complete copy from an interrupted one.
marker="$dir/.complete-$scala_version-$kafka_version"
if [ -f "$marker" ]; then
	echo "Kafka $kafka_version jars already in $dir"
	exit 0
fi

command -v mvn >/dev/null 2>&1 || {
	echo "fetch-kafka-jars: mvn not found; install Maven (apt-get install -y maven)" >&2
	exit 1
}

work=$(dirname "$dir")/pom
mkdir -p "$work" "$dir"

# log4j and slf4j-log4j12 are what Kafka's own tarball ships for its tools'
# logging; naming them keeps the tools logging even if the transitive
# dependencies change.
cat >"$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>samsa.tools</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$scala_version</artifactId>
      <version>$kafka_version</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$kafka_version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-log4j12</artifactId>
      <version>1.7.28</version>
    </dependency>
    <dependency>
      <groupId>log4j</groupId>
      <artifactId>log4j</artifactId>
      <version>1.2.17</version>
    </dependency>
  </dependencies>
</project>
POM

echo "Fetching Apache Kafka $kafka_version (Scala $scala_version) jars into $dir"
mvn -B -q -f "$work/pom.xml" dependency:copy-dependencies \
	-DoutputDirectory="$dir" -DincludeScope=runtime

# Kafka's bin/kafka-run-class.sh points the tools at config/tools-log4j.properties:
# warnings and errors to stderr, nothing else, so tool output stays parseable.
conf=$(dirname "$dir")/config
mkdir -p "$conf"
cat >"$conf/tools-log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
PROPS

ls "$dir"/kafka_"$scala_version"-"$kafka_version".jar >/dev/null
touch "$marker"
echo "Kafka $kafka_version jars ready: $(ls "$dir" | wc -l) files in $dir"
