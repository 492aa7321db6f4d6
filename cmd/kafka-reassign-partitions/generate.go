package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
	"github.com/samsa-broker/samsa/coordinator"
)

// parseBrokerList is split(',').map(_.toInt), with Java's split dropping
// trailing empty strings.
func parseBrokerList(s string) ([]int32, error) {
	parts := strings.Split(s, ",")
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]int32, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, &kafkaException{class: "java.lang.NumberFormatException", msg: fmt.Sprintf("For input string: \"%s\"", p), err: err}
		}
		out = append(out, int32(n))
	}
	return out, nil
}

func joinInts(xs []int32, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, sep)
}

// generate is generateAssignment: print the current assignment of the
// topics and a proposal spreading them over --broker-list.
func (c *command) generate(ctx context.Context) error {
	listArg, err := c.o.s.String(c.o.brokerList)
	if err != nil {
		return err
	}
	brokers, err := parseBrokerList(listArg)
	if err != nil {
		return err
	}
	if dups := duplicates(brokers, scalaorder.IntHash); len(dups) > 0 {
		return adminCommandFailed("Broker list contains duplicate entries: " + joinInts(dups, ","))
	}
	file, err := c.o.s.String(c.o.topicsToMoveJSONFile)
	if err != nil {
		return err
	}
	data, err := readFile(file)
	if err != nil {
		return err
	}
	topics, err := parseTopics(data)
	if err != nil {
		return err
	}
	if dups := duplicates(topics, scalaorder.StringHash); len(dups) > 0 {
		return adminCommandFailed("List of topics to reassign contains duplicate entries: " + strings.Join(dups, ","))
	}
	current, err := replicaAssignment(ctx, c.zk, topicSet(topics))
	if err != nil {
		return err
	}
	metas, err := c.brokerMetas(ctx, brokers)
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	var proposed []assignment
	// groupBy(_.topic): a HashMap of topics, each group a Map built in the
	// current assignment's order.
	for _, topic := range scalaorder.Champ(topicsOf(keysOf(current.entries)), scalaorder.StringHash) {
		group := buildTPMap(current.filter(func(a assignment) bool { return a.tp.Topic == topic }).entries)
		rf := int32(len(group.entries[0].replicas))
		assigned, err := coordinator.AssignReplicas(metas, int32(len(group.entries)), rf, -1, -1, rnd)
		if err != nil {
			return zkJava(err)
		}
		for p, reps := range assigned {
			proposed = append(proposed, assignment{tp{Topic: topic, Partition: p}, reps})
		}
	}
	// A mutable.Map: its order depends only on the keys.
	byTP := map[tp][]int32{}
	for _, a := range proposed {
		byTP[a.tp] = a.replicas
	}
	var ordered []assignment
	for _, k := range scalaorder.Mutable(keysOf(proposed), tpHash) {
		ordered = append(ordered, assignment{k, byTP[k]})
	}
	fmt.Fprintf(c.stdout, "Current partition replica assignment\n%s\n\n", formatReassignmentJSON(current.entries))
	fmt.Fprintf(c.stdout, "Proposed partition reassignment configuration\n%s\n", formatReassignmentJSON(ordered))
	return nil
}

// brokerMetas is AdminZkClient.getBrokerMetadatas with rack awareness
// Enforced (or Disabled by --disable-rack-aware) over the listed brokers
// that are registered.
func (c *command) brokerMetas(ctx context.Context, list []int32) ([]coordinator.BrokerMeta, error) {
	all, err := c.zk.BrokerMetas(ctx)
	if err != nil {
		return nil, err
	}
	var metas []coordinator.BrokerMeta
	withRack := 0
	for _, b := range all {
		for _, id := range list {
			if b.ID == id {
				metas = append(metas, b)
				if b.Rack != nil {
					withRack++
				}
				break
			}
		}
	}
	disabled := c.o.s.Has(c.o.disableRackAware)
	if !disabled && withRack > 0 && withRack < len(metas) {
		return nil, adminOperation("Not all brokers have rack information. Add --disable-rack-aware in command line" +
			" to make replica assignment without rack information.")
	}
	if disabled {
		for i := range metas {
			metas[i].Rack = nil
		}
	}
	return metas, nil
}

// zkJava names the exception class AdminUtils and AdminZkClient throw for a
// coordinator error (whose text is already Kafka's).
func zkJava(err error) error {
	var ke *kafkaException
	if errors.As(err, &ke) {
		return err
	}
	class := "kafka.admin.AdminOperationException"
	switch {
	case errors.Is(err, coordinator.ErrInvalidReplicationFactor):
		class = "org.apache.kafka.common.errors.InvalidReplicationFactorException"
	case errors.Is(err, coordinator.ErrInvalidPartitions):
		class = "org.apache.kafka.common.errors.InvalidPartitionsException"
	case errors.Is(err, coordinator.ErrInvalidReplicaAssignment):
		class = "org.apache.kafka.common.errors.InvalidReplicaAssignmentException"
	}
	return &kafkaException{class: class, msg: err.Error(), err: err}
}
