package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// executionException is the toString() of the ExecutionException a
// KafkaFuture's get() throws for err.
func executionException(err error) string {
	return "java.util.concurrent.ExecutionException: " + javaString(err)
}

// deleteGroups is ConsumerGroupService.deleteGroups.
func (c *command) deleteGroups(ctx context.Context) error {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return err
	}
	failed := map[string]error{}
	var ok []string
	if len(ids) > 0 {
		cctx, cancel := c.ctx(ctx)
		resp, err := c.adm.DeleteGroups(cctx, ids...)
		cancel()
		if err != nil && len(resp) == 0 {
			return err
		}
		for _, id := range ids {
			r, found := resp[id]
			switch {
			case !found:
				failed[id] = kerr.CoordinatorNotAvailable
			case r.Err != nil:
				failed[id] = r.Err
			default:
				ok = append(ok, id)
			}
		}
	}
	quoted := func(gs []string) string { return "'" + strings.Join(gs, "', '") + "'" }
	if len(failed) == 0 {
		c.printf("Deletion of requested consumer groups (%s) was successful.\n", quoted(ok))
		return nil
	}
	c.printError("Deletion of some consumer groups failed:", nil)
	names := make([]string, 0, len(failed))
	for g := range failed {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		c.printf("* Group '%s' could not be deleted due to: %s\n", g, executionException(failed[g]))
	}
	if len(ok) > 0 {
		c.printf("\nThese consumer groups were deleted successfully: %s\n", quoted(ok))
	}
	return nil
}

// deleteOffsets is ConsumerGroupService.deleteOffsets for --group and the
// --topic values (t or t:0,1).
func (c *command) deleteOffsets(ctx context.Context) error {
	group, err := c.o.s.String(c.o.group)
	if err != nil {
		return err
	}
	topics := c.o.s.Values(c.o.topic)
	results := map[tp]error{}
	set := make(kadm.TopicsSet)
	var partitions []tp
	for _, arg := range topics {
		if topic, parts, ok := strings.Cut(arg, ":"); ok {
			for _, p := range strings.Split(parts, ",") {
				n, err := strconv.ParseInt(p, 10, 32)
				if err != nil {
					return &cli.JavaError{Text: fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", p), Err: err}
				}
				partitions = append(partitions, tp{topic, int32(n)})
			}
			continue
		}
		ps, err := c.partitionsFor(ctx, arg)
		if err != nil {
			results[tp{arg, -1}] = err
			continue
		}
		partitions = append(partitions, ps...)
	}
	for _, t := range partitions {
		set.Add(t.topic, t.partition)
	}
	var top error
	var resp kadm.DeleteOffsetsResponses
	if len(set) > 0 {
		cctx, cancel := c.ctx(ctx)
		resp, top = c.adm.DeleteOffsets(cctx, group, set)
		cancel()
	}
	for _, t := range partitions {
		switch {
		case top != nil:
			results[t] = top
		default:
			if perr, ok := resp[t.topic][t.partition]; ok {
				results[t] = perr
			} else {
				results[t] = nil
			}
		}
	}
	if top == nil {
		for _, t := range partitions {
			if results[t] != nil {
				top = results[t]
				break
			}
		}
	}
	switch {
	case top == nil:
		c.printf("Request succeed for deleting offsets with topic %s group %s\n", strings.Join(topics, ", "), group)
	case isErr(top, kerr.InvalidGroupID):
		c.printError(fmt.Sprintf("'%s' is not valid.", group), nil)
	case isErr(top, kerr.GroupIDNotFound):
		c.printError(fmt.Sprintf("'%s' does not exist.", group), nil)
	case isErr(top, kerr.GroupAuthorizationFailed):
		c.printError(fmt.Sprintf("Access to '%s' is not authorized.", group), nil)
	case isErr(top, kerr.NonEmptyGroup):
		c.printError(fmt.Sprintf("Deleting offsets of a consumer group '%s' is forbidden if the group is not empty.", group), nil)
	case isErr(top, kerr.GroupSubscribedToTopic), isErr(top, kerr.TopicAuthorizationFailed), isErr(top, kerr.UnknownTopicOrPartition):
		c.printError("Encounter some partition level error, see the follow-up details:", nil)
	default:
		c.printError(fmt.Sprintf("Encounter some unknown error: %s", errorName(top)), nil)
	}
	c.printf("\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS")
	keys := make([]tp, 0, len(results))
	for t := range results {
		keys = append(keys, t)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].topic+strconv.Itoa(int(keys[i].partition)) < keys[j].topic+strconv.Itoa(int(keys[j].partition))
	})
	for _, t := range keys {
		part := "Not Provided"
		if t.partition >= 0 {
			part = strconv.Itoa(int(t.partition))
		}
		status := "Successful"
		if err := results[t]; err != nil {
			status = "Error: " + javaString(err)
		}
		c.printf("%-30s %-15s %-15s\n", t.topic, part, status)
	}
	return nil
}

func isErr(err error, target *kerr.Error) bool {
	ke, ok := err.(*kerr.Error)
	return ok && ke.Code == target.Code
}

// errorName is the Errors enum constant's name, e.g. COORDINATOR_NOT_AVAILABLE.
func errorName(err error) string {
	if ke, ok := err.(*kerr.Error); ok {
		return ke.Message
	}
	return "UNKNOWN_SERVER_ERROR"
}
