# Samsa: build, local three-node cluster, tests and release tarball.
#
#   make build       build every main under cmd/ into build/bin/
#   make run         start (or restart) ZooKeeper and three brokers on 127.0.0.11-13
#   make stop        stop what make run started
#   make status      show what runs
#   make test        go vet + go test, with ZooKeeper, kcat and Kafka's jars in place,
#                    then every fuzz target for FUZZTIME (3s; make fuzz: 10s each)
#   make dist        dist/samsa-<version>.tgz, laid out like Kafka's tarball
#   make bench       S1-S6 beside Kafka 2.4.1, ~20 min; report in build/bench (SCALE=0.05: quick check)
#   make bench-quick Samsa beside Kafka 2.4.1: produce/consume throughput, RSS
#   make chaos       the Jepsen-style queue workload under faults (docs/reliability.md)
#   make kafka-jars  Apache Kafka's jars for the tests (cached outside the tree)
#   make deps        Debian packages: zookeeper, kcat (and maven: make test-deps)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

BIN := build/bin
DEPLOY := $(BIN)/samsa-deploy
CLUSTER ?= deploy/cluster.toml
# Empty: the cluster file's run_dir (run/).
RUN_DIR ?=
DEPLOY_ARGS = --cluster $(CLUSTER) $(if $(RUN_DIR),--run $(RUN_DIR))

KAFKA_VERSION := 2.4.1
SCALA_VERSION := 2.13
# Apache Kafka's jars, for the tests that run Kafka's own tools against Samsa.
SAMSA_KAFKA_LIBS ?= $(HOME)/.cache/samsa/kafka-$(KAFKA_VERSION)/libs
export SAMSA_KAFKA_LIBS

# Whole-suite bound; the suite is meant to take well under it on two cores.
TEST_TIMEOUT ?= 25m
TEST_FUZZTIME ?= 3s
FUZZTIME ?= 10s
GO_TEST_FLAGS ?=
# make test PKGS=./storage/... tests one part of the tree.
PKGS ?= ./...

ZOOKEEPER_JAR := /usr/share/java/zookeeper.jar
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DIST_NAME := samsa-$(VERSION)
DIST_DIR := dist/$(DIST_NAME)

.PHONY: build deploy-tool run stop status test fuzz vet deps test-deps kafka-jars dist clean

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# Only the deployment tool, so that make stop works without a full build.
deploy-tool:
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/samsa-deploy

# Debian's zookeeper package provides the ZooKeeper jars (and Java); kcat is a
# librdkafka client for checking Samsa by hand and in tests. apt-get update
# runs once, and only when something is missing.
deps:
	@missing=""; \
	[ -f $(ZOOKEEPER_JAR) ] || missing="$$missing zookeeper"; \
	command -v kcat >/dev/null 2>&1 || missing="$$missing kcat"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y zookeeper kcat; \
	fi

# The tests also need Maven, to fetch Apache Kafka's jars, and iptables and
# faketime for the fault tests (network partitions, clock skew), which skip
# those faults where the tools cannot act.
test-deps: deps
	@missing=""; \
	command -v mvn >/dev/null 2>&1 || missing="$$missing maven"; \
	command -v iptables >/dev/null 2>&1 || missing="$$missing iptables"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; \
	fi

kafka-jars: test-deps
	scripts/fetch-kafka-jars.sh $(SAMSA_KAFKA_LIBS) $(KAFKA_VERSION) $(SCALA_VERSION)

# Running it again stops what runs and starts again on the kept data
# (run/<node>/zookeeper and run/<node>/kafka-logs).
run: build deps
	$(DEPLOY) broker-stop $(DEPLOY_ARGS)
	$(DEPLOY) zk-stop $(DEPLOY_ARGS)
	$(DEPLOY) render $(DEPLOY_ARGS)
	$(DEPLOY) zk-start $(DEPLOY_ARGS)
	$(DEPLOY) broker-start $(DEPLOY_ARGS)
	$(DEPLOY) wait-cluster $(DEPLOY_ARGS)
	@$(DEPLOY) next $(DEPLOY_ARGS)

stop: deploy-tool
	$(DEPLOY) broker-stop $(DEPLOY_ARGS)
	$(DEPLOY) zk-stop $(DEPLOY_ARGS)

status: deploy-tool
	$(DEPLOY) status $(DEPLOY_ARGS)

vet:
	$(GO) vet $(PKGS)

# SAMSA_BIN_DIR tells the integration harness to use the binaries just built.
test: build kafka-jars vet
	SAMSA_BIN_DIR=$(CURDIR)/$(BIN) $(GO) test -timeout $(TEST_TIMEOUT) $(GO_TEST_FLAGS) $(PKGS)
	FUZZTIME=$(TEST_FUZZTIME) scripts/fuzz.sh

# fuzz runs every Go fuzz target (func FuzzX) for FUZZTIME each, one after
# the other; a finding fails it and is kept under the package's
# testdata/fuzz as a regression input.
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# dist/samsa-<version>.tgz unpacks to samsa-<version>/ with bin/*.sh,
# libexec/<binaries> and config/, so that the tutorial's
#   tar zxvf samsa-<version>.tgz; vim config/server.properties;
#   ./bin/kafka-server-start.sh config/server.properties &
# works as it does with Kafka's tarball.
# The programs are built again without symbols and build paths, which makes
# them about a third smaller; samsa-deploy stays out (it runs a local cluster
# from a checkout). The deployment guide and systemd units come along in deploy/.
dist: deploy-tool
	rm -rf $(DIST_DIR) dist/$(DIST_NAME).tgz
	mkdir -p $(DIST_DIR)/bin $(DIST_DIR)/libexec $(DIST_DIR)/config $(DIST_DIR)/deploy
	cp bin/*.sh $(DIST_DIR)/bin/
	$(GO) build -trimpath -ldflags '$(LDFLAGS) -s -w' -o $(DIST_DIR)/libexec/ ./cmd/...
	rm -f $(DIST_DIR)/libexec/samsa-deploy
	$(DEPLOY) dist-config --out $(DIST_DIR)/config
	cp -r deploy/MULTI-HOST.md deploy/systemd $(DIST_DIR)/deploy/
	for f in LICENSE NOTICE README.md; do [ ! -f $$f ] || cp $$f $(DIST_DIR)/; done
	tar -C dist -czf dist/$(DIST_NAME).tgz $(DIST_NAME)
	@echo "dist/$(DIST_NAME).tgz"

# Scenarios S1-S6 against three Samsa and three Apache Kafka 2.4.1 brokers,
# three runs of each kind, alternated, a dd and loopback probe before each
# scenario; writes bench.json, bench.md and bench.png into BENCH_OUT. About 20
# minutes at SCALE=1; docs/benchmarks.md explains the method.
SCALE ?= 1
BENCH_OUT ?= build/bench
.PHONY: bench bench-quick
bench: build kafka-jars
	SCALE=$(SCALE) OUT=$(BENCH_OUT) ./scripts/bench.sh

# Samsa and Apache Kafka 2.4.1 side by side (produce and consume, RF 1 and 3),
# with a same-run dd and loopback probe; docs/benchmarks.md explains the method.
bench-quick: build kafka-jars
	./scripts/bench-quick.sh

# The fault-injection run of docs/reliability.md (a short one also runs inside
# make test); SAMSA_CHAOS_DURATION=10m for the long run.
chaos: build kafka-jars
	SAMSA_BIN_DIR=$(CURDIR)/$(BIN) $(GO) test -count=1 -v -timeout 0 -run TestQueueUnderFaults ./integration/chaos/

clean:
	rm -rf build dist
