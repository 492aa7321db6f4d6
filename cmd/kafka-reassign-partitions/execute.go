package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
	"github.com/samsa-broker/samsa/coordinator"
)

// throttle is ReassignPartitionsCommand.Throttle: rates in bytes/s, -1 none.
type throttle struct {
	interBroker, alterLogDirs int64
}

func (t throttle) any() bool { return t.interBroker >= 0 || t.alterLogDirs >= 0 }

// execute is executeAssignment: validate the file against the cluster,
// print the current assignment for rollback, set the throttles and create
// /admin/reassign_partitions, which the controller carries out. With a
// reassignment already running it only alters the throttle.
func (c *command) execute(ctx context.Context) error {
	file, err := c.o.s.String(c.o.reassignmentJSONFile)
	if err != nil {
		return err
	}
	data, err := readFile(file)
	if err != nil {
		return err
	}
	var t throttle
	if t.interBroker, _, err = c.o.s.Long(c.o.throttle); err != nil {
		return err
	}
	if t.alterLogDirs, _, err = c.o.s.Long(c.o.replicaAlterLogDirsThrottle); err != nil {
		return err
	}
	// --timeout bounds the log directory moves this tool does not make; it
	// is still read, so a bad value fails as in Kafka.
	if _, _, err = c.o.s.Long(c.o.timeout); err != nil {
		return err
	}
	props, dirs, err := c.parseAndValidate(ctx, data)
	if err != nil {
		return err
	}
	var entries []assignment
	for _, p := range props {
		entries = append(entries, assignment{p.tp, p.replicas})
	}
	proposed := buildTPMap(entries)
	inProgress, _, err := c.zk.Exists(ctx, coordinator.ReassignPartitionsPath)
	if err != nil {
		return err
	}
	if inProgress {
		fmt.Fprintln(c.stdout, "There is an existing assignment running.")
		return c.limit(ctx, proposed, dirs, t)
	}
	current, err := replicaAssignment(ctx, c.zk, topicSet(topicsOf(keysOf(entries))))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Current partition replica assignment\n\n%s\n\nSave this to use as the --reassignment-json-file option during rollback\n",
		formatReassignmentJSON(current.entries))
	if t.any() {
		fmt.Fprintln(c.stdout, "Warning: You must run Verify periodically, until the reassignment completes, to ensure the throttle is removed. You can also alter the throttle by rerunning the Execute command passing a new value.")
	}
	ok, err := c.reassign(ctx, proposed, dirs, t)
	if err != nil {
		return err
	}
	if ok {
		fmt.Fprintln(c.stdout, "Successfully started reassignment of partitions.")
	} else {
		fmt.Fprintf(c.stdout, "Failed to reassign partitions %s\n", proposalsString(props))
	}
	return nil
}

// proposalsString is the ListBuffer of (partition, replicas) pairs' toString.
func proposalsString(props []proposal) string {
	parts := make([]string, len(props))
	for i, p := range props {
		parts[i] = "(" + p.tp.String() + "," + scalaorder.SeqString("List", p.replicas) + ")"
	}
	return "ListBuffer(" + strings.Join(parts, ", ") + ")"
}

// parseAndValidate checks the reassignment file as Kafka does before
// anything is written.
func (c *command) parseAndValidate(ctx context.Context, data []byte) ([]proposal, []replicaDir, error) {
	props, dirs, err := parseReassignment(data)
	if err != nil {
		return nil, nil, err
	}
	if len(props) == 0 {
		return nil, nil, adminCommandFailed("Partition reassignment data file is empty")
	}
	tps := make([]tp, len(props))
	for i, p := range props {
		if len(p.replicas) == 0 {
			return nil, nil, adminCommandFailed("Partition replica list cannot be empty")
		}
		tps[i] = p.tp
	}
	if dups := duplicates(tps, tpHash); len(dups) > 0 {
		s := make([]string, len(dups))
		for i, d := range dups {
			s[i] = d.String()
		}
		return nil, nil, adminCommandFailed("Partition reassignment contains duplicate topic partitions: " + strings.Join(s, ","))
	}
	var dupMsgs []string
	for _, p := range props {
		if dups := duplicates(p.replicas, scalaorder.IntHash); len(dups) > 0 {
			dupMsgs = append(dupMsgs, fmt.Sprintf("%s contains multiple entries for %s", p.tp, joinInts(dups, ",")))
		}
	}
	if len(dupMsgs) > 0 {
		return nil, nil, adminCommandFailed("Partition replica lists may not contain duplicate entries: " + strings.Join(dupMsgs, ". "))
	}
	existing, err := replicaAssignment(ctx, c.zk, topicSet(topicsOf(tps)))
	if err != nil {
		return nil, nil, err
	}
	var missing []string
	for _, t := range tps {
		if _, ok := existing.get(t); !ok {
			missing = append(missing, t.String())
		}
	}
	if len(missing) > 0 {
		return nil, nil, adminCommandFailed("The proposed assignment contains non-existent partitions: ListBuffer(" + strings.Join(missing, ", ") + ")")
	}
	live, err := sortedBrokerIDs(ctx, c.zk)
	if err != nil {
		return nil, nil, err
	}
	var unknown []int32
	for _, e := range buildTPMap(toAssignments(props)).entries {
		for _, r := range e.replicas {
			if !contains(live, r) {
				unknown = append(unknown, r)
			}
		}
	}
	if len(unknown) > 0 {
		return nil, nil, adminCommandFailed("The proposed assignment contains non-existent brokerIDs: " +
			joinInts(scalaorder.Immutable(unknown, scalaorder.IntHash), ","))
	}
	return props, dirs, nil
}

func toAssignments(props []proposal) []assignment {
	out := make([]assignment, len(props))
	for i, p := range props {
		out[i] = assignment{p.tp, p.replicas}
	}
	return out
}

func contains(xs []int32, x int32) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// reassign is ReassignPartitionsCommand.reassignPartitions: throttle, then
// create the reassignment znode with the partitions that exist.
func (c *command) reassign(ctx context.Context, proposed tpMap, dirs []replicaDir, t throttle) (bool, error) {
	if err := c.applyThrottle(ctx, proposed, dirs, t); err != nil {
		return false, err
	}
	// groupBy(topic) then validatePartition per topic: a HashMap.
	var valid []assignment
	for _, e := range proposed.entries {
		parts, err := c.zk.TopicAssignment(ctx, e.tp.Topic)
		if errors.Is(err, coordinator.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if _, ok := parts[e.tp.Partition]; ok {
			valid = append(valid, e)
		}
	}
	if len(valid) == 0 {
		return false, nil
	}
	if len(dirs) > 0 && !c.o.s.Has(c.o.bootstrapServer) {
		return false, adminCommandFailed("bootstrap-server needs to be provided in order to reassign replica to the specified log directory")
	}
	if len(dirs) > 0 {
		return false, adminCommandFailed("moving replicas between log directories is not supported by this tool")
	}
	var rs []coordinator.Reassignment
	for _, e := range hashMapOf(valid).entries {
		rs = append(rs, coordinator.Reassignment{
			TopicPartition: coordinator.TopicPartition{Topic: e.tp.Topic, Partition: e.tp.Partition},
			Replicas:       e.replicas,
		})
	}
	err := c.zk.CreatePartitionReassignment(ctx, rs)
	if errors.Is(err, coordinator.ErrNodeExists) {
		running, rerr := c.zk.PartitionReassignment(ctx)
		if rerr != nil {
			return false, rerr
		}
		return false, adminCommandFailed("Partition reassignment currently in progress for " + reassignmentString(running) + ". Aborting operation")
	}
	return err == nil, err
}

// reassignmentString is the toString of the Map getPartitionReassignment
// returns (replica lists are Java lists wrapped as Buffers).
func reassignmentString(rs []coordinator.Reassignment) string {
	var entries []assignment
	for _, r := range rs {
		entries = append(entries, assignment{tp{Topic: r.Topic, Partition: r.Partition}, r.Replicas})
	}
	m := buildTPMap(entries)
	parts := make([]string, len(m.entries))
	for i, e := range m.entries {
		parts[i] = e.tp.String() + " -> " + scalaorder.SeqString("Buffer", e.replicas)
	}
	return scalaorder.MapString(parts)
}
