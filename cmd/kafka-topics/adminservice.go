package main

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// adminTimeout is the Java AdminClient's default call timeout in 2.4
// (its request.timeout.ms, 120 s): with no broker reachable, Kafka's tool
// gives up with "Timed out waiting for a node assignment." after it.
const adminTimeout = 120 * time.Second

// adminService is TopicCommand.AdminClientTopicService: the same commands
// through a broker's admin APIs.
type adminService struct {
	*command
	client *kgo.Client
	adm    *kadm.Client
}

func newAdminService(c *command) (*adminService, error) {
	servers, err := c.o.s.String(c.o.bootstrapServer)
	if err != nil {
		return nil, err
	}
	props := map[string]string{}
	if c.o.has(c.o.commandConfig) {
		path, err := c.o.s.String(c.o.commandConfig)
		if err != nil {
			return nil, err
		}
		if props, err = cli.LoadProperties(path); err != nil {
			return nil, err
		}
	}
	clientID := "adminclient-1"
	if id, ok := props["client.id"]; ok {
		clientID = id
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(servers, ",")...), kgo.ClientID(clientID),
		kgo.WithHooks(cli.ConnectWarner{Log: logrus.NewEntry(c.log.Logger), Prefix: "AdminClient clientId=" + clientID}))
	if err != nil {
		return nil, &javaErr{class: "org.apache.kafka.common.KafkaException", msg: "Failed create new KafkaAdminClient", err: err}
	}
	return &adminService{command: c, client: client, adm: kadm.NewClient(client)}, nil
}

func (s *adminService) close() { s.client.Close() }

// callCtx bounds one admin call like the Java client's call deadline.
func callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, adminTimeout)
}

// executionException is how a failed KafkaFuture.get() surfaces:
// getMessage() is the cause's toString().
func executionException(err error, msg string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		const cause = "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment."
		return &javaErr{class: "java.util.concurrent.ExecutionException", msg: cause, err: err, causes: []string{cause}}
	}
	cause := cli.JavaException(err, msg)
	return &javaErr{class: "java.util.concurrent.ExecutionException", msg: cause, err: err, causes: []string{cause}}
}

// allTopics lists topic names, with or without internal ones (ListTopics).
func (s *adminService) allTopics(ctx context.Context, internal bool) ([]string, error) {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	md, err := retry(cctx, func(ctx context.Context) (kadm.Metadata, error) { return s.adm.Metadata(ctx) })
	if err != nil {
		return nil, executionException(err, "")
	}
	var out []string
	for name, t := range md.Topics {
		if t.Err != nil || (t.IsInternal && !internal) {
			continue
		}
		out = append(out, name)
	}
	return out, nil
}

func (s *adminService) getTopics(ctx context.Context) ([]string, error) {
	all, err := s.allTopics(ctx, !s.o.has(s.o.excludeInternal))
	if err != nil {
		return nil, err
	}
	return s.filterTopics(all)
}

func (s *adminService) createTopic(ctx context.Context, t *commandTopic) error {
	if rf := t.replicationFactor; rf != nil && (*rf > 32767 || *rf < 1) {
		return illegalArgument("The replication factor must be between 1 and 32767 inclusive")
	}
	if p := t.partitions; p != nil && *p < 1 {
		return illegalArgument("The partitions must be greater than 0")
	}
	existing, err := s.allTopics(ctx, false)
	if err != nil {
		return err
	}
	if slices.Contains(existing, t.name) {
		return illegalArgument("Topic %s already exists", t.name)
	}
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = t.name
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	if t.assignment != nil {
		for p := int32(0); p < int32(len(t.assignment)); p++ {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = p, t.assignment[p]
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
	} else {
		if t.partitions != nil {
			rt.NumPartitions = *t.partitions
		}
		if t.replicationFactor != nil {
			rt.ReplicationFactor = int16(*t.replicationFactor)
		}
	}
	for k, v := range t.configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, kmsg.StringPtr(v)
		rt.Configs = append(rt.Configs, c)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = int32(adminTimeout / time.Millisecond)
	req.Topics = append(req.Topics, rt)
	cctx, cancel := callCtx(ctx)
	defer cancel()
	resp, err := retry(cctx, func(ctx context.Context) (*kmsg.CreateTopicsResponse, error) { return req.RequestWith(ctx, s.client) })
	if err != nil {
		return executionException(err, "")
	}
	for _, r := range resp.Topics {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return executionException(err, derefString(r.ErrorMessage))
		}
	}
	return nil // Kafka 2.4 prints nothing here (2.5 added "Created topic").
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *adminService) listTopics(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	s.println(strings.Join(topics, "\n"))
	return nil
}

func (s *adminService) alterTopic(ctx context.Context) error {
	t, err := s.commandTopic()
	if err != nil {
		return err
	}
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureTopicExists(topics, true); err != nil {
		return err
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	md, err := retry(cctx, func(ctx context.Context) (kadm.Metadata, error) { return s.adm.Metadata(ctx, topics...) })
	if err != nil {
		return executionException(err, "")
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = int32(adminTimeout / time.Millisecond)
	for _, topic := range topics {
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = topic, *t.partitions
		if t.assignment != nil {
			start := int32(len(md.Topics[topic].Partitions))
			for p := start; p < int32(len(t.assignment)); p++ {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = t.assignment[p]
				rt.Assignment = append(rt.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := retry(cctx, func(ctx context.Context) (*kmsg.CreatePartitionsResponse, error) {
		return req.RequestWith(ctx, s.client)
	})
	if err != nil {
		return executionException(err, "")
	}
	for _, r := range resp.Topics {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return executionException(err, derefString(r.ErrorMessage))
		}
	}
	return nil
}

func (s *adminService) describeTopic(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil || len(topics) == 0 {
		return err
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	configs, err := retry(cctx, func(ctx context.Context) (kadm.ResourceConfigs, error) {
		return s.adm.DescribeTopicConfigs(ctx, topics...)
	})
	if err != nil {
		return executionException(err, "")
	}
	md, err := retry(cctx, func(ctx context.Context) (kadm.Metadata, error) { return s.adm.Metadata(ctx, topics...) })
	if err != nil {
		return executionException(err, "")
	}
	live := map[int32]bool{}
	for _, b := range md.Brokers {
		live[b.NodeID] = true
	}
	opts := s.describeOptions(live)
	for _, topic := range javaHashOrder(topics) {
		td, ok := md.Topics[topic]
		if !ok || td.Err != nil {
			cause := error(kerr.UnknownTopicOrPartition)
			if ok {
				cause = td.Err
			}
			return executionException(cause, "")
		}
		rc, err := configs.On(topic, nil)
		if err != nil {
			return executionException(err, "")
		}
		if rc.Err != nil {
			return executionException(rc.Err, rc.ErrMessage)
		}
		nonDefault, minISR := topicConfigs(rc.Configs)
		sorted := td.Partitions.Sorted()
		if opts.describeConfigs() && (!opts.overrides || len(nonDefault) > 0) {
			rf := 0
			if len(sorted) > 0 {
				rf = len(sorted[0].Replicas)
			}
			s.println(topicDescription{topic: topic, partitions: len(sorted), replicationFactor: rf, configs: nonDefault}.line())
		}
		if !opts.describePartitions() {
			continue
		}
		for _, p := range sorted {
			d := partitionDescription{topic: topic, partition: p.Partition, leader: p.Leader, replicas: p.Replicas, isr: p.ISR, minISR: minISR}
			if opts.shouldPrint(d) {
				s.println(d.line())
			}
		}
	}
	return nil
}

// topicConfigs returns the non-default entries in Config.entries() order
// and min.insync.replicas.
func topicConfigs(cfgs []kadm.Config) ([]configEntry, *int) {
	byName := map[string]kadm.Config{}
	names := make([]string, 0, len(cfgs))
	for _, c := range cfgs {
		byName[c.Key] = c
		names = append(names, c.Key)
	}
	var out []configEntry
	var minISR *int
	for _, n := range javaHashOrder(names) {
		c := byName[n]
		v := "null"
		if c.Value != nil {
			v = *c.Value
		}
		if n == "min.insync.replicas" {
			if m, err := strconv.Atoi(v); err == nil {
				minISR = &m
			}
		}
		if c.Source != kmsg.ConfigSourceDefaultConfig {
			out = append(out, configEntry{n, v})
		}
	}
	return out, minISR
}

func (s *adminService) deleteTopic(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureTopicExists(topics, true); err != nil {
		return err
	}
	if len(topics) == 0 {
		return nil
	}
	cctx, cancel := callCtx(ctx)
	defer cancel()
	resps, err := retry(cctx, func(ctx context.Context) (kadm.DeleteTopicResponses, error) {
		return s.adm.DeleteTopics(ctx, topics...)
	})
	if err != nil {
		return executionException(err, "")
	}
	for _, r := range resps.Sorted() {
		if r.Err != nil {
			return executionException(r.Err, r.ErrMessage)
		}
	}
	return nil
}

// retry runs call until it succeeds, fails other than by a refused or
// failed connection, or ctx ends: the Java admin client keeps reconnecting
// (reconnect.backoff.ms 50, growing to 1 s) until the call's deadline,
// while franz-go reports a failed dial at once.
func retry[T any](ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	backoff := 50 * time.Millisecond
	for {
		v, err := call(ctx)
		var op *net.OpError
		if err == nil || !errors.As(err, &op) || op.Op != "dial" {
			return v, err
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}
