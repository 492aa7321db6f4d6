package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// offsetRow is PartitionAssignmentState; nil pointers and "" print as "-".
type offsetRow struct {
	group                      string
	topic                      string
	partition                  *int32
	offset, logEndOffset, lag  *int64
	consumerID, host, clientID string
}

// memberRow is MemberAssignmentState.
type memberRow struct {
	group, consumerID, host, clientID string
	numPartitions                     int
	assignment                        []tp
}

func orMissing(s string) string {
	if s == "" {
		return missing
	}
	return s
}

func int64OrMissing(v *int64) string {
	if v == nil {
		return missing
	}
	return strconv.FormatInt(*v, 10)
}

// assigned returns a member's assignment when it is a consumer's.
func assigned(m kadm.DescribedGroupMember) []tp {
	var out []tp
	if a, ok := m.Assigned.AsConsumer(); ok {
		for _, t := range a.Topics {
			for _, p := range t.Partitions {
				out = append(out, tp{t.Topic, p})
			}
		}
	}
	return out
}

func (c *command) describeGroups(ctx context.Context) error {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return err
	}
	o := c.o
	described, err := c.describeConsumerGroups(ctx, ids)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(described))
	for id := range described {
		names = append(names, id)
	}
	sort.Strings(names) // Kafka collects into a TreeMap
	switch {
	case o.has(o.members):
		for _, id := range names {
			rows := collectMembers(described[id], o.has(o.verbose))
			if ok, err := c.shouldPrint(id, described[id].State, len(rows)); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			c.printf("%s", formatMembers(rows, o.has(o.verbose)))
		}
	case o.has(o.state):
		for _, id := range names {
			g := described[id]
			if ok, err := c.shouldPrint(id, g.State, 1); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			c.printf("%s", formatState(g))
		}
	default:
		for _, id := range names {
			rows, err := c.collectOffsets(ctx, described[id])
			if err != nil {
				return err
			}
			if ok, err := c.shouldPrint(id, described[id].State, len(rows)); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			c.printf("%s", formatOffsets(rows))
		}
	}
	return nil
}

// shouldPrint is shouldPrintMemberState.
func (c *command) shouldPrint(group, state string, rows int) (bool, error) {
	switch state {
	case "Dead":
		c.printError(fmt.Sprintf("Consumer group '%s' does not exist.", group), nil)
	case "Empty":
		fmt.Fprintf(c.stderr, "\nConsumer group '%s' has no active members.\n", group)
	case "PreparingRebalance", "CompletingRebalance":
		fmt.Fprintf(c.stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", group)
	case "Stable":
	default:
		if state == "" {
			state = "NONE"
		}
		return false, fmt.Errorf("kafka-consumer-groups: Expected a valid consumer group state, but found '%s'.", state)
	}
	return state != "Dead" && rows > 0, nil
}

// collectOffsets is collectGroupsOffsets for one group: the partitions of
// members with assignments (members with more partitions first), then the
// committed partitions no member holds.
func (c *command) collectOffsets(ctx context.Context, g kadm.DescribedGroup) ([]offsetRow, error) {
	committed, err := c.committedOffsets(ctx, g.Group)
	if err != nil {
		return nil, err
	}
	type member struct {
		m   kadm.DescribedGroupMember
		tps []tp
	}
	var ms []member
	var all []tp
	for _, m := range g.Members {
		if tps := assigned(m); len(tps) > 0 {
			ms = append(ms, member{m, tps})
			all = append(all, tps...)
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].tps) > len(ms[j].tps) })
	held := make(map[tp]bool)
	for _, t := range all {
		held[t] = true
	}
	var unheld []tp
	for t := range committed {
		if !held[t] {
			unheld = append(unheld, t)
		}
	}
	javaHashMapOrder(unheld)
	ends, err := c.logOffsets(ctx, append(append([]tp(nil), all...), unheld...), true)
	if err != nil {
		return nil, err
	}
	row := func(t tp, consumerID, host, clientID string) offsetRow {
		p := t.partition
		r := offsetRow{group: g.Group, topic: t.topic, partition: &p, consumerID: consumerID, host: host, clientID: clientID}
		if off, ok := committed[t]; ok {
			r.offset = &off
		}
		if end, ok := ends[t]; ok {
			r.logEndOffset = &end
			if r.offset != nil && *r.offset != -1 {
				lag := end - *r.offset
				r.lag = &lag
			}
		}
		return r
	}
	var rows []offsetRow
	for _, m := range ms {
		sort.SliceStable(m.tps, func(i, j int) bool {
			if m.tps[i].partition != m.tps[j].partition {
				return m.tps[i].partition < m.tps[j].partition
			}
			return m.tps[i].topic < m.tps[j].topic
		})
		for _, t := range m.tps {
			rows = append(rows, row(t, m.m.MemberID, m.m.ClientHost, m.m.ClientID))
		}
	}
	for _, t := range unheld {
		rows = append(rows, row(t, missing, missing, missing))
	}
	return rows, nil
}

// formatOffsets is printOffsets for one group.
func formatOffsets(rows []offsetRow) string {
	wg, wt, wc, wh := 15, 15, 15, 15
	for _, r := range rows {
		wg = max(wg, len(r.group))
		wt = max(wt, len(orMissing(r.topic)))
		wc = max(wc, len(orMissing(r.consumerID)))
		wh = max(wh, len(orMissing(r.host)))
	}
	line := func(cols ...string) string {
		return fmt.Sprintf("%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n",
			wg, cols[0], wt, cols[1], cols[2], cols[3], cols[4], cols[5], wc, cols[6], wh, cols[7], cols[8])
	}
	var b strings.Builder
	b.WriteString("\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"))
	for _, r := range rows {
		part := missing
		if r.partition != nil {
			part = strconv.Itoa(int(*r.partition))
		}
		b.WriteString(line(r.group, orMissing(r.topic), part, int64OrMissing(r.offset), int64OrMissing(r.logEndOffset),
			int64OrMissing(r.lag), orMissing(r.consumerID), orMissing(r.host), orMissing(r.clientID)))
	}
	return b.String()
}

// collectMembers is collectGroupsMembers for one group.
func collectMembers(g kadm.DescribedGroup, verbose bool) []memberRow {
	var rows []memberRow
	for _, m := range g.Members {
		tps := assigned(m)
		r := memberRow{group: g.Group, consumerID: m.MemberID, host: m.ClientHost, clientID: m.ClientID, numPartitions: len(tps)}
		if verbose {
			r.assignment = tps
		}
		rows = append(rows, r)
	}
	return rows
}

// formatMembers is printMembers for one group.
func formatMembers(rows []memberRow, verbose bool) string {
	wg, wc, wh, wi := 15, 15, 15, 15
	for _, r := range rows {
		wg, wc, wh, wi = max(wg, len(r.group)), max(wc, len(r.consumerID)), max(wh, len(r.host)), max(wi, len(r.clientID))
	}
	line := func(a, b, c, d, e string) string {
		return fmt.Sprintf("%-*s %-*s %-*s %-*s %-15s ", wg, a, wc, b, wh, c, wi, d, e)
	}
	var b strings.Builder
	b.WriteString("\n" + line("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"))
	if verbose {
		b.WriteString("ASSIGNMENT")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString(line(r.group, r.consumerID, r.host, r.clientID, strconv.Itoa(r.numPartitions)))
		if verbose {
			b.WriteString(assignmentString(r.assignment))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// assignmentString renders "t1(0,2), t2(1)", or "-" for no partitions.
func assignmentString(tps []tp) string {
	if len(tps) == 0 {
		return missing
	}
	byTopic := map[string][]int{}
	for _, t := range tps {
		byTopic[t.topic] = append(byTopic[t.topic], int(t.partition))
	}
	var parts []string
	for topic, ps := range byTopic {
		sort.Ints(ps)
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = strconv.Itoa(p)
		}
		parts = append(parts, topic+"("+strings.Join(s, ",")+")")
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// formatState is printStates for one group. Kafka sizes the GROUP column by
// the coordinator's text; so does this.
func formatState(g kadm.DescribedGroup) string {
	coord := fmt.Sprintf("%s:%d (%d)", g.Coordinator.Host, g.Coordinator.Port, g.Coordinator.NodeID)
	w := max(25, len(coord))
	return fmt.Sprintf("\n%-*s %-25s %-20s %-15s %s", w, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS") +
		fmt.Sprintf("\n%-*s %-25s %-20s %-15s %d\n", w, g.Group, coord, g.Protocol, g.State, len(g.Members))
}
