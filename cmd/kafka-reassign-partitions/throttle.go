package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
)

// Throttle configs, as DynamicConfig.Broker and LogConfig name them.
const (
	leaderThrottledRate       = "leader.replication.throttled.rate"
	followerThrottledRate     = "follower.replication.throttled.rate"
	alterLogDirsRate          = "replica.alter.log.dirs.io.max.bytes.per.second"
	leaderThrottledReplicas   = "leader.replication.throttled.replicas"
	followerThrottledReplicas = "follower.replication.throttled.replicas"
)

// applyThrottle is maybeThrottle: mark the moving replicas of each topic as
// throttled, set the rates on the brokers involved, and say so.
func (c *command) applyThrottle(ctx context.Context, proposed tpMap, dirs []replicaDir, t throttle) error {
	if t.interBroker >= 0 {
		existing, err := c.existing(ctx, proposed)
		if err != nil {
			return err
		}
		if err := c.assignThrottledReplicas(ctx, existing, proposed); err != nil {
			return err
		}
	}
	if err := c.limit(ctx, proposed, dirs, t); err != nil {
		return err
	}
	if t.interBroker >= 0 {
		fmt.Fprintf(c.stdout, "The inter-broker throttle limit was set to %d B/s\n", t.interBroker)
	}
	if t.alterLogDirs >= 0 {
		fmt.Fprintf(c.stdout, "The replica-alter-dir throttle limit was set to %d B/s\n", t.alterLogDirs)
	}
	return nil
}

// existing is existingAssignment: the current assignment of the proposed
// topics.
func (c *command) existing(ctx context.Context, proposed tpMap) (tpMap, error) {
	return replicaAssignment(ctx, c.zk, topicSet(topicsOf(keysOf(proposed.entries))))
}

// assignThrottledReplicas writes, per topic, the pre-move replicas of the
// moving partitions as leader-throttled and the move destinations as
// follower-throttled.
func (c *command) assignThrottledReplicas(ctx context.Context, existing, proposed tpMap) error {
	for _, topic := range topicsOf(keysOf(proposed.entries)) {
		inTopic := func(a assignment) bool { return a.tp.Topic == topic }
		existingT, proposedT := existing.filter(inTopic), proposed.filter(inTopic)
		moving := existingT.filter(func(a assignment) bool {
			after, ok := proposedT.get(a.tp)
			if !ok {
				return false
			}
			for _, r := range after {
				if !contains(a.replicas, r) {
					return true
				}
			}
			return false
		})
		var moved []assignment
		for _, a := range proposedT.entries {
			before, _ := existingT.get(a.tp)
			set := scalaorder.Immutable(a.replicas, scalaorder.IntHash)
			var rest []int32
			for _, r := range set {
				if !contains(before, r) {
					rest = append(rest, r)
				}
			}
			if len(set) > 4 {
				rest = scalaorder.Champ(rest, scalaorder.IntHash)
			}
			moved = append(moved, assignment{a.tp, rest})
		}
		cfg, err := c.zk.TopicConfig(ctx, topic)
		if err != nil {
			return err
		}
		cfg[leaderThrottledReplicas] = throttledReplicas(moving.entries)
		cfg[followerThrottledReplicas] = throttledReplicas(moved)
		if err := c.zk.ChangeTopicConfig(ctx, topic, cfg); err != nil {
			return zkJava(err)
		}
	}
	return nil
}

// throttledReplicas is format: "partition:broker" pairs joined by commas.
func throttledReplicas(as []assignment) string {
	var parts []string
	for _, a := range as {
		for _, r := range a.replicas {
			parts = append(parts, strconv.Itoa(int(a.tp.Partition))+":"+strconv.Itoa(int(r)))
		}
	}
	return strings.Join(parts, ",")
}

// limit is maybeLimit: set the throttle rates on every broker holding or
// receiving a replica of the proposed partitions.
func (c *command) limit(ctx context.Context, proposed tpMap, dirs []replicaDir, t throttle) error {
	if !t.any() {
		return nil
	}
	existing, err := c.existing(ctx, proposed)
	if err != nil {
		return err
	}
	var brokers []int32
	add := func(id int32) {
		if !contains(brokers, id) {
			brokers = append(brokers, id)
		}
	}
	for _, m := range []tpMap{existing, proposed} {
		for _, e := range m.entries {
			for _, r := range e.replicas {
				add(r)
			}
		}
	}
	for _, d := range dirs {
		add(d.replica.broker)
	}
	for _, id := range brokers {
		name := strconv.Itoa(int(id))
		cfg, err := c.zk.EntityConfig(ctx, "brokers", name)
		if err != nil {
			return err
		}
		if t.interBroker >= 0 {
			cfg[leaderThrottledRate] = strconv.FormatInt(t.interBroker, 10)
			cfg[followerThrottledRate] = strconv.FormatInt(t.interBroker, 10)
		}
		if t.alterLogDirs >= 0 {
			cfg[alterLogDirsRate] = strconv.FormatInt(t.alterLogDirs, 10)
		}
		if err := c.zk.ChangeEntityConfig(ctx, "brokers", name, cfg); err != nil {
			return err
		}
	}
	return nil
}

// removeThrottle drops the throttle rates from every registered broker and
// the throttled replica lists from the topics once every partition has
// completed; "Throttle was removed." if anything changed.
func (c *command) removeThrottle(ctx context.Context, topics []string) error {
	ids, err := sortedBrokerIDs(ctx, c.zk)
	if err != nil {
		return err
	}
	changed := false
	for _, id := range ids {
		name := strconv.Itoa(int(id))
		cfg, err := c.zk.EntityConfig(ctx, "brokers", name)
		if err != nil {
			return err
		}
		if removeKeys(cfg, leaderThrottledRate, followerThrottledRate, alterLogDirsRate) {
			if err := c.zk.ChangeEntityConfig(ctx, "brokers", name, cfg); err != nil {
				return err
			}
			changed = true
		}
	}
	for _, topic := range topics {
		cfg, err := c.zk.TopicConfig(ctx, topic)
		if err != nil {
			return err
		}
		if removeKeys(cfg, leaderThrottledReplicas, followerThrottledReplicas) {
			if err := c.zk.ChangeTopicConfig(ctx, topic, cfg); err != nil {
				return zkJava(err)
			}
			changed = true
		}
	}
	if changed {
		fmt.Fprintln(c.stdout, "Throttle was removed.")
	}
	return nil
}

func removeKeys(cfg map[string]string, keys ...string) bool {
	removed := false
	for _, k := range keys {
		if _, ok := cfg[k]; ok {
			delete(cfg, k)
			removed = true
		}
	}
	return removed
}
