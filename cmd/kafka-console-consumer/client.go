package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/twmb/franz-go/pkg/kgo"
)

// clientOptions translates the Java consumer properties into franz-go
// options, with the 2.4 Java consumer's defaults for what is unset.
// onAssigned, if not nil, is called when the group assigns partitions.
func (c *config) clientOptions(onAssigned func(context.Context, *kgo.Client, map[string][]int32)) ([]kgo.Opt, error) {
	props := c.consumer
	group := props["group.id"]
	clientID := props["client.id"]
	if clientID == "" {
		clientID = "consumer-" + group + "-1"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(props["bootstrap.servers"], ",")...),
		kgo.ClientID(clientID),
	}
	if c.log != nil {
		prefix := "Consumer clientId=" + clientID + ", groupId=" + group
		opts = append(opts, kgo.WithHooks(cli.ConnectWarner{Log: c.log, Prefix: prefix, BootstrapLine: true}))
	}
	if v := strings.TrimSpace(props["allow.auto.create.topics"]); v == "" || strings.EqualFold(v, "true") {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	ms := func(key string, def int64, typ string) (time.Duration, error) {
		return cli.PropMillis(props, key, def, typ)
	}
	integer := func(key string, def int32) (int32, error) {
		n, err := cli.PropInt(props, key, int64(def))
		return int32(n), err
	}

	var reset kgo.Offset
	switch v := strings.TrimSpace(props["auto.offset.reset"]); v {
	case "earliest":
		reset = kgo.NewOffset().AtStart()
	case "latest":
		reset = kgo.NewOffset().AtEnd()
	case "none":
		reset = kgo.NoResetOffset()
	default:
		return nil, cli.ConfigError("auto.offset.reset", v, "String must be one of: latest, earliest, none")
	}
	opts = append(opts, kgo.ConsumeResetOffset(reset))

	switch v := strings.TrimSpace(props["isolation.level"]); v {
	case "read_uncommitted", "":
	case "read_committed":
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	default:
		return nil, cli.ConfigError("isolation.level", v, "String must be one of: read_committed, read_uncommitted")
	}

	wait, err := ms("fetch.max.wait.ms", 500, "INT")
	if err != nil {
		return nil, err
	}
	minBytes, err := integer("fetch.min.bytes", 1)
	if err != nil {
		return nil, err
	}
	maxBytes, err := integer("fetch.max.bytes", 52428800)
	if err != nil {
		return nil, err
	}
	partBytes, err := integer("max.partition.fetch.bytes", 1048576)
	if err != nil {
		return nil, err
	}
	maxAge, err := ms("metadata.max.age.ms", 300000, "LONG")
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.FetchMaxWait(wait), kgo.FetchMinBytes(minBytes), kgo.FetchMaxBytes(maxBytes),
		kgo.FetchMaxPartitionBytes(partBytes), kgo.MetadataMaxAge(maxAge))

	if c.partition != nil {
		var at kgo.Offset
		switch c.offset {
		case offsetEarliest:
			at = kgo.NewOffset().AtStart()
		case offsetLatest:
			at = kgo.NewOffset().AtEnd()
		default:
			at = kgo.NewOffset().At(c.offset)
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.topic: {*c.partition: at}}))
		return opts, nil
	}

	if c.whitelist != "" {
		// subscribe(Pattern.compile(whitelist)): the pattern must match whole names.
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics("^(?:"+c.whitelist+")$"))
	} else {
		opts = append(opts, kgo.ConsumeTopics(c.topic))
	}
	session, err := ms("session.timeout.ms", 10000, "INT")
	if err != nil {
		return nil, err
	}
	heartbeat, err := ms("heartbeat.interval.ms", 3000, "INT")
	if err != nil {
		return nil, err
	}
	rebalance, err := ms("max.poll.interval.ms", 300000, "INT")
	if err != nil {
		return nil, err
	}
	balancers, err := balancersFor(props["partition.assignment.strategy"])
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.ConsumerGroup(group), kgo.SessionTimeout(session), kgo.HeartbeatInterval(heartbeat),
		kgo.RebalanceTimeout(rebalance), kgo.Balancers(balancers...))
	if c.autoCommit() {
		interval, err := ms("auto.commit.interval.ms", 5000, "INT")
		if err != nil {
			return nil, err
		}
		// Commit only what was printed, as ConsoleConsumer seeks back over
		// fetched but unprinted records before closing.
		opts = append(opts, kgo.AutoCommitMarks(), kgo.AutoCommitInterval(interval))
		if onAssigned != nil {
			opts = append(opts, kgo.OnPartitionsAssigned(onAssigned))
		}
	} else {
		opts = append(opts, kgo.DisableAutoCommit())
	}
	return opts, nil
}

// autoCommit is enable.auto.commit (default true).
func (c *config) autoCommit() bool {
	v, ok := c.consumer["enable.auto.commit"]
	return !ok || strings.EqualFold(strings.TrimSpace(v), "true")
}

// balancersFor maps partition.assignment.strategy class names; the Java
// default is the range assignor.
func balancersFor(classes string) ([]kgo.GroupBalancer, error) {
	if strings.TrimSpace(classes) == "" {
		return []kgo.GroupBalancer{kgo.RangeBalancer()}, nil
	}
	var out []kgo.GroupBalancer
	for _, c := range strings.Split(classes, ",") {
		c = strings.TrimSpace(c)
		switch c[strings.LastIndexByte(c, '.')+1:] {
		case "RangeAssignor":
			out = append(out, kgo.RangeBalancer())
		case "RoundRobinAssignor":
			out = append(out, kgo.RoundRobinBalancer())
		case "StickyAssignor":
			out = append(out, kgo.StickyBalancer())
		case "CooperativeStickyAssignor":
			out = append(out, kgo.CooperativeStickyBalancer())
		default:
			return nil, fmt.Errorf("org.apache.kafka.common.KafkaException: %s ClassNotFoundException exception occurred", c)
		}
	}
	return out, nil
}
