package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
	"github.com/samsa-broker/samsa/coordinator"
)

// zkTimeout is the tool's KafkaZkClient session and connection timeout.
const zkTimeout = 30 * time.Second

func dialZK(ctx context.Context, connect string) (*coordinator.ZK, error) {
	dctx, cancel := context.WithTimeout(ctx, zkTimeout)
	defer cancel()
	z, err := coordinator.Dial(dctx, connect, zkTimeout, nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &kafkaException{class: "kafka.zookeeper.ZooKeeperClientTimeoutException",
				msg: "Timed out waiting for connection while in state: CONNECTING", err: err}
		}
		return nil, &kafkaException{class: "java.lang.IllegalArgumentException", msg: err.Error(), err: err}
	}
	return z, nil
}

// replicaAssignment is KafkaZkClient.getReplicaAssignmentForTopics: the
// partitions of the topics (a Scala Set, given in its iteration order)
// as the Map the tool iterates. Each topic's partitions come in the order
// of its znode's JSON; missing topics are left out.
func replicaAssignment(ctx context.Context, z *coordinator.ZK, topics []string) (tpMap, error) {
	var all []assignment
	for _, t := range topics {
		data, _, err := z.Get(ctx, coordinator.TopicPath(t))
		if errors.Is(err, coordinator.ErrNoNode) {
			continue
		}
		if err != nil {
			return tpMap{}, err
		}
		parts, err := partitionsInOrder(data)
		if err != nil {
			return tpMap{}, fmt.Errorf("kafka-reassign-partitions: topic %s: %w", t, err)
		}
		for _, p := range parts {
			all = append(all, assignment{tp{Topic: t, Partition: p.tp.Partition}, p.replicas})
		}
	}
	return buildTPMap(all), nil
}

// partitionsInOrder reads the "partitions" object of a topic znode keeping
// its keys' order, which Jackson's tree model (and so Kafka) iterates.
func partitionsInOrder(data []byte) ([]assignment, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("topic znode is not a JSON object")
	}
	var out []assignment
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if key, _ := tok.(string); key != "partitions" {
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("topic znode partitions is not an object")
		}
		for d.More() {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			p, err := strconv.ParseInt(tok.(string), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("bad partition id %q", tok)
			}
			var reps []int32
			if err := d.Decode(&reps); err != nil {
				return nil, err
			}
			out = append(out, assignment{tp{Partition: int32(p)}, reps})
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topicSet is Seq.toSet of topic names in the Set's iteration order.
func topicSet(topics []string) []string {
	return scalaorder.Immutable(topics, scalaorder.StringHash)
}

// sortedBrokerIDs is getSortedBrokerList.
func sortedBrokerIDs(ctx context.Context, z *coordinator.ZK) ([]int32, error) {
	bs, err := z.Brokers(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids, nil
}
