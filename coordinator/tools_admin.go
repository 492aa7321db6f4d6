package coordinator

import (
	"context"
	"errors"
)

// Helpers for the leadership and reassignment tools
// (kafka-reassign-partitions, kafka-preferred-replica-election --zookeeper):
// what their KafkaZkClient and AdminZkClient calls do, and nothing the
// controller needs.

// ChildrenAsListed lists a znode's children in the order the ZooKeeper
// server returns them. Kafka's tools iterate that order (getChildren), and
// for small collections it is the order they print.
func (z *ZK) ChildrenAsListed(ctx context.Context, p string) ([]string, error) {
	r, err := call(ctx, z, "children", p, func() (childrenResult, error) {
		c, _, err := z.conn.Children(z.abs(p))
		return childrenResult{names: c}, err
	})
	if err != nil {
		return nil, err
	}
	return r.names, nil
}

// EntityConfig reads /config/<entityType>/<name> (AdminZkClient.fetchEntityConfig):
// empty when absent.
func (z *ZK) EntityConfig(ctx context.Context, entityType, name string) (map[string]string, error) {
	data, _, err := z.Get(ctx, ConfigPath+"/"+entityType+"/"+name)
	if errors.Is(err, ErrNoNode) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeConfig(data)
}

// ChangeEntityConfig is AdminZkClient.changeEntityConfig: write (or create)
// /config/<entityType>/<name>, then post the config change notification
// "<entityType>/<name>" so that the brokers reload it.
func (z *ZK) ChangeEntityConfig(ctx context.Context, entityType, name string, cfg map[string]string) error {
	p := ConfigPath + "/" + entityType + "/" + name
	data := EncodeConfig(cfg)
	_, err := z.Set(ctx, p, data, -1)
	if errors.Is(err, ErrNoNode) {
		_, err = z.CreateRecursive(ctx, p, data, ModePersistent)
		if errors.Is(err, ErrNodeExists) {
			_, err = z.Set(ctx, p, data, -1)
		}
	}
	if err != nil {
		return err
	}
	return z.NotifyConfigChange(ctx, entityType+"/"+name)
}

// CreatePartitionReassignment creates /admin/reassign_partitions with rs in
// the given order (KafkaZkClient.createPartitionReassignment). ErrNodeExists
// when a reassignment is already in progress.
func (z *ZK) CreatePartitionReassignment(ctx context.Context, rs []Reassignment) error {
	_, err := z.CreateRecursive(ctx, ReassignPartitionsPath, EncodeReassignment(rs), ModePersistent)
	return err
}

// PartitionReassignment reads /admin/reassign_partitions in its order;
// nil when absent.
func (z *ZK) PartitionReassignment(ctx context.Context) ([]Reassignment, error) {
	data, _, err := z.Get(ctx, ReassignPartitionsPath)
	if errors.Is(err, ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeReassignment(data)
}

// CreatePreferredReplicaElection creates /admin/preferred_replica_election
// listing tps in the given order. ErrNodeExists when an election is pending.
func (z *ZK) CreatePreferredReplicaElection(ctx context.Context, tps []TopicPartition) error {
	_, err := z.CreateRecursive(ctx, PreferredReplicaElection, EncodePreferredElection(tps), ModePersistent)
	return err
}

// PendingPreferredReplicaElection reads /admin/preferred_replica_election
// in its order; nil when absent.
func (z *ZK) PendingPreferredReplicaElection(ctx context.Context) ([]TopicPartition, error) {
	data, _, err := z.Get(ctx, PreferredReplicaElection)
	if errors.Is(err, ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodePreferredElection(data)
}
