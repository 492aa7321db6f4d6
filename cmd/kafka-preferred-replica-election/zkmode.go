package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/samsa-broker/samsa/cmd/internal/election"
	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
	"github.com/samsa-broker/samsa/coordinator"
)

// zkElect is ZkCommand.electPreferredLeaders: write the partitions that
// exist to /admin/preferred_replica_election. Failures after connecting
// are wrapped as Kafka wraps them ("Admin command failed").
func zkElect(ctx context.Context, o *options, stdout io.Writer, partitions []election.TopicPartition, fromUser bool) error {
	connect, err := o.s.String(o.zookeeper)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	z, err := coordinator.Dial(dctx, connect, timeout, nil)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &election.Error{Class: "kafka.zookeeper.ZooKeeperClientTimeoutException", Msg: "Timed out waiting for connection while in state: CONNECTING"}
		}
		return &election.Error{Class: "java.lang.IllegalArgumentException", Msg: err.Error()}
	}
	defer z.Close()
	if err := electViaZK(ctx, z, stdout, partitions, fromUser); err != nil {
		cause := err.Error()
		var ee *election.Error
		if errors.As(err, &ee) {
			cause = ee.JavaString()
		}
		return &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: "Admin command failed", Causes: []string{cause}}
	}
	return nil
}

func electViaZK(ctx context.Context, z *coordinator.ZK, stdout io.Writer, partitions []election.TopicPartition, fromUser bool) error {
	var valid, invalid []election.TopicPartition
	hashed := false
	if fromUser {
		// Set.partition: the halves keep the set's order; a HashSet's halves
		// are HashSets.
		hashed = len(partitions) > 4
		for _, tp := range partitions {
			ok, err := partitionExists(ctx, z, tp)
			if err != nil {
				return err
			}
			if ok {
				valid = append(valid, tp)
			} else {
				invalid = append(invalid, tp)
			}
		}
		if hashed {
			valid = scalaorder.Champ(valid, tpHash)
			invalid = scalaorder.Champ(invalid, tpHash)
		}
	} else {
		all, err := allPartitions(ctx, z)
		if err != nil {
			return err
		}
		valid = scalaorder.Immutable(all, tpHash)
		hashed = len(valid) > 4
	}
	tps := make([]coordinator.TopicPartition, len(valid))
	for i, tp := range valid {
		tps[i] = coordinator.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	err := z.CreatePreferredReplicaElection(ctx, tps)
	if errors.Is(err, coordinator.ErrNodeExists) {
		pending, perr := z.PendingPreferredReplicaElection(ctx)
		if perr != nil {
			return &election.Error{Class: "kafka.admin.AdminOperationException", Msg: perr.Error()}
		}
		var ps []election.TopicPartition
		for _, tp := range pending {
			ps = append(ps, election.TopicPartition{Topic: tp.Topic, Partition: tp.Partition})
		}
		return &election.Error{Class: "kafka.admin.AdminOperationException",
			Msg: "Preferred replica leader election currently in progress for " + election.Join(scalaorder.Immutable(ps, tpHash), ",") + ". Aborting operation"}
	}
	if err != nil {
		return &election.Error{Class: "kafka.admin.AdminOperationException", Msg: err.Error()}
	}
	fmt.Fprintf(stdout, "Created preferred replica election path with %s\n", election.Join(valid, ","))
	fmt.Fprintf(stdout, "Successfully started preferred replica election for partitions %s\n", election.String(valid, hashed))
	for _, tp := range invalid {
		fmt.Fprintf(stdout, "Skipping preferred replica leader election for partition %s since it doesn't exist.\n", tp)
	}
	return nil
}

func tpHash(tp election.TopicPartition) int32 { return tp.Hash() }

// partitionExists checks the topic's assignment znode, as
// getPartitionsForTopics does.
func partitionExists(ctx context.Context, z *coordinator.ZK, tp election.TopicPartition) (bool, error) {
	a, err := z.TopicAssignment(ctx, tp.Topic)
	if errors.Is(err, coordinator.ErrTopicNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, ok := a[tp.Partition]
	return ok, nil
}

// allPartitions is getAllPartitions: the children of every topic's
// partitions znode, in the order ZooKeeper lists them.
func allPartitions(ctx context.Context, z *coordinator.ZK) ([]election.TopicPartition, error) {
	topics, err := z.ChildrenAsListed(ctx, coordinator.BrokerTopicsPath)
	if errors.Is(err, coordinator.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []election.TopicPartition
	for _, t := range topics {
		parts, err := z.ChildrenAsListed(ctx, coordinator.TopicPartitionsPath(t))
		if errors.Is(err, coordinator.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				return nil, &election.Error{Class: "java.lang.NumberFormatException", Msg: fmt.Sprintf("For input string: \"%s\"", p)}
			}
			out = append(out, election.TopicPartition{Topic: t, Partition: int32(n)})
		}
	}
	return out, nil
}
