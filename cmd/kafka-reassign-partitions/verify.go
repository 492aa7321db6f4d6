package main

import (
	"context"
	"fmt"
)

// status is ReassignmentStatus.
type status int

const (
	completed status = iota
	inProgress
	failed
)

// verify is verifyAssignment: compare each partition of the file with the
// running reassignment and the current assignment, then remove the
// throttles when all have completed.
func (c *command) verify(ctx context.Context) error {
	file, err := c.o.s.String(c.o.reassignmentJSONFile)
	if err != nil {
		return err
	}
	data, err := readFile(file)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "Status of partition reassignment: ")
	props, dirs, err := parseReassignment(data)
	if err != nil {
		return err
	}
	running, err := c.zk.PartitionReassignment(ctx)
	if err != nil {
		return err
	}
	if len(dirs) > 0 {
		if !c.o.s.Has(c.o.bootstrapServer) {
			return adminCommandFailed("bootstrap-server needs to be provided in order to reassign replica to the specified log directory")
		}
		return adminCommandFailed("verifying replicas moved between log directories is not supported by this tool")
	}
	wanted := buildTPMap(toAssignments(props))
	beingReassigned := map[tp]bool{}
	for _, r := range running {
		beingReassigned[tp{Topic: r.Topic, Partition: r.Partition}] = true
	}
	statuses := map[tp]status{}
	currentByTopic := map[string]tpMap{}
	for _, e := range wanted.entries {
		if beingReassigned[e.tp] {
			statuses[e.tp] = inProgress
			continue
		}
		cur, ok := currentByTopic[e.tp.Topic]
		if !ok {
			if cur, err = replicaAssignment(ctx, c.zk, []string{e.tp.Topic}); err != nil {
				return err
			}
			currentByTopic[e.tp.Topic] = cur
		}
		if reps, ok := cur.get(e.tp); ok && equalReplicas(reps, e.replicas) {
			statuses[e.tp] = completed
		} else {
			statuses[e.tp] = failed
		}
	}
	// The statuses form a HashMap whatever their number.
	allDone := true
	for _, e := range hashMapOf(wanted.entries).entries {
		switch statuses[e.tp] {
		case completed:
			fmt.Fprintf(c.stdout, "Reassignment of partition %s completed successfully\n", e.tp)
		case failed:
			fmt.Fprintf(c.stdout, "Reassignment of partition %s failed\n", e.tp)
			allDone = false
		default:
			fmt.Fprintf(c.stdout, "Reassignment of partition %s is still in progress\n", e.tp)
			allDone = false
		}
	}
	if !allDone {
		return nil
	}
	return c.removeThrottle(ctx, topicsOf(keysOf(hashMapOf(wanted.entries).entries)))
}
