package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// plan is a reset plan: new offsets by group, in the order Kafka's tool
// prints them.
type plan map[string][]newOffset

// newOffset is one partition's planned offset.
type newOffset struct {
	tp     tp
	offset int64
}

// ordered lists offsets in the order of tps. Kafka builds the plan with
// Scala's toMap, which keeps insertion order up to four entries and hashes
// beyond; larger plans are sorted by topic and partition here.
func ordered(tps []tp, offsets map[tp]int64) []newOffset {
	keys := append([]tp(nil), tps...)
	if len(offsets) > 4 || len(keys) != len(offsets) {
		keys = sortedKeys(offsets)
	}
	out := make([]newOffset, 0, len(keys))
	for _, t := range keys {
		out = append(out, newOffset{t, offsets[t]})
	}
	return out
}

// resetOffsets is ConsumerGroupService.resetOffsets: only inactive groups
// (Empty or Dead) are reset; others get an error line and an empty plan.
func (c *command) resetOffsets(ctx context.Context) (plan, error) {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return nil, err
	}
	described, err := c.describeConsumerGroups(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(plan)
	for _, id := range ids {
		g := described[id]
		if g.State != "Empty" && g.State != "Dead" {
			c.printError(fmt.Sprintf("Assignments can only be reset if the group '%s' is inactive, but the current state is %s.", id, g.State), nil)
			out[id] = nil
			continue
		}
		tps, err := c.partitionsToReset(ctx, id)
		if err != nil {
			return nil, err
		}
		offsets, err := c.prepareOffsets(ctx, id, tps)
		if err != nil {
			return nil, err
		}
		if c.o.has(c.o.execute) && !c.o.has(c.o.dryRun) {
			if err := c.commit(ctx, id, offsets); err != nil {
				return nil, err
			}
		}
		out[id] = ordered(tps, offsets)
	}
	return out, nil
}

func (c *command) commit(ctx context.Context, group string, offsets map[tp]int64) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	os := make(kadm.Offsets)
	for t, off := range offsets {
		os.AddOffset(t.topic, t.partition, off, -1)
	}
	resp, err := c.adm.CommitOffsets(ctx, group, os)
	if err != nil {
		return err
	}
	return resp.Error()
}

// partitionsToReset is getPartitionsToReset: --all-topics takes the
// committed partitions, --topic t or t:0,1 names them.
func (c *command) partitionsToReset(ctx context.Context, group string) ([]tp, error) {
	o := c.o
	switch {
	case o.has(o.allTopics):
		committed, err := c.committedOffsets(ctx, group)
		if err != nil {
			return nil, err
		}
		var tps []tp
		for t := range committed {
			tps = append(tps, t)
		}
		javaHashMapOrder(tps)
		return tps, nil
	case o.has(o.topic):
		var tps []tp
		for _, arg := range o.s.Values(o.topic) {
			if topic, parts, ok := strings.Cut(arg, ":"); ok {
				for _, p := range strings.Split(parts, ",") {
					n, err := strconv.ParseInt(p, 10, 32)
					if err != nil {
						return nil, &cli.JavaError{Text: fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", p), Err: err}
					}
					tps = append(tps, tp{topic, int32(n)})
				}
				continue
			}
			ps, err := c.partitionsFor(ctx, arg)
			if err != nil {
				return nil, err
			}
			tps = append(tps, ps...)
		}
		return tps, nil
	case o.has(o.fromFile):
		// The file names the partitions; its order is the plan's.
		p, err := c.loadResetPlan()
		if err != nil {
			return nil, err
		}
		var tps []tp
		for _, n := range p[group] {
			tps = append(tps, n.tp)
		}
		return tps, nil
	}
	return nil, &usageExit{"One of the reset scopes should be defined: --all-topics, --topic."}
}

// prepareOffsets is prepareOffsetsToReset.
func (c *command) prepareOffsets(ctx context.Context, group string, tps []tp) (map[tp]int64, error) {
	o := c.o
	s := o.s
	out := make(map[tp]int64)
	fromLog := func(end bool, what string) (map[tp]int64, error) {
		offs, err := c.logOffsets(ctx, tps, end)
		if err != nil {
			return nil, err
		}
		for _, t := range tps {
			v, ok := offs[t]
			if !ok {
				return nil, &usageExit{fmt.Sprintf("Error getting %s offset of topic partition: %s", what, t)}
			}
			out[t] = v
		}
		return out, nil
	}
	byTime := func(ms int64) (map[tp]int64, error) {
		ctx, cancel := c.ctx(ctx)
		defer cancel()
		listed, err := c.adm.ListOffsetsAfterMilli(ctx, ms, topicsOf(tps)...)
		if err != nil && len(listed) == 0 {
			return nil, err
		}
		var missingTPs []tp
		for _, t := range tps {
			if lo, ok := listed.Lookup(t.topic, t.partition); ok && lo.Err == nil && lo.Offset >= 0 {
				out[t] = lo.Offset
			} else {
				missingTPs = append(missingTPs, t)
			}
		}
		ends, err := c.logOffsets(ctx, missingTPs, true)
		if err != nil {
			return nil, err
		}
		for _, t := range missingTPs {
			v, ok := ends[t]
			if !ok {
				return nil, &usageExit{fmt.Sprintf("Error getting offset by timestamp of topic partition: %s", t)}
			}
			out[t] = v
		}
		return out, nil
	}
	switch {
	case o.has(o.toOffset):
		off, _, err := s.Long(o.toOffset)
		if err != nil {
			return nil, err
		}
		req := make(map[tp]int64)
		for _, t := range tps {
			req[t] = off
		}
		return c.checkRange(ctx, tps, req)
	case o.has(o.toEarliest):
		return fromLog(false, "starting")
	case o.has(o.toLatest):
		return fromLog(true, "ending")
	case o.has(o.shiftBy):
		shift, _, err := s.Long(o.shiftBy)
		if err != nil {
			return nil, err
		}
		committed, err := c.committedOffsets(ctx, group)
		if err != nil {
			return nil, err
		}
		req := make(map[tp]int64)
		for _, t := range tps {
			cur, ok := committed[t]
			if !ok {
				return nil, &cli.JavaError{Text: fmt.Sprintf("java.lang.IllegalArgumentException: Cannot shift offset for partition %s since there is no current committed offset", t)}
			}
			req[t] = cur + shift
		}
		return c.checkRange(ctx, tps, req)
	case o.has(o.toDatetime):
		v, _ := s.String(o.toDatetime)
		ms, err := convertTimestamp(v)
		if err != nil {
			return nil, err
		}
		return byTime(ms)
	case o.has(o.byDuration):
		v, _ := s.String(o.byDuration)
		d, err := parseDuration(v)
		if err != nil {
			return nil, err
		}
		return byTime(time.Now().Add(-d).UnixMilli())
	case o.has(o.toCurrent):
		committed, err := c.committedOffsets(ctx, group)
		if err != nil {
			return nil, err
		}
		var without []tp
		for _, t := range tps {
			if v, ok := committed[t]; ok {
				out[t] = v
			} else {
				without = append(without, t)
			}
		}
		ends, err := c.logOffsets(ctx, without, true)
		if err != nil {
			return nil, err
		}
		for _, t := range without {
			v, ok := ends[t]
			if !ok {
				return nil, &usageExit{fmt.Sprintf("Error getting ending offset of topic partition: %s", t)}
			}
			out[t] = v
		}
		return out, nil
	case o.has(o.fromFile):
		p, err := c.loadResetPlan()
		if err != nil {
			return nil, err
		}
		entries, ok := p[group]
		if !ok {
			c.printError(fmt.Sprintf("No reset plan for group %s found", group), nil)
			return out, nil
		}
		req := make(map[tp]int64, len(entries))
		for _, n := range entries {
			req[n.tp] = n.offset
		}
		return c.checkRange(ctx, tps, req)
	}
	// Kafka prints a Scala HashSet of the scenario options; its order is
	// fixed by the options' names.
	var names []string
	for _, sc := range []*cli.Option{o.byDuration, o.toOffset, o.fromFile, o.toDatetime, o.toEarliest, o.toCurrent, o.shiftBy, o.toLatest} {
		names = append(names, sc.String())
	}
	return nil, &usageExit{fmt.Sprintf("Option '%s' requires one of the following scenarios: HashSet(%s)", o.resetOffsets, strings.Join(names, ", "))}
}

// checkRange is checkOffsetsRange: requested offsets are clamped into
// [log start, log end] with a warning.
func (c *command) checkRange(ctx context.Context, order []tp, req map[tp]int64) (map[tp]int64, error) {
	tps := make([]tp, 0, len(req))
	for _, n := range ordered(order, req) {
		tps = append(tps, n.tp)
	}
	starts, err := c.logOffsets(ctx, tps, false)
	if err != nil {
		return nil, err
	}
	ends, err := c.logOffsets(ctx, tps, true)
	if err != nil {
		return nil, err
	}
	out := make(map[tp]int64, len(req))
	for _, t := range tps {
		off := req[t]
		if end, ok := ends[t]; ok && off > end {
			c.log.Warnf("New offset (%d) is higher than latest offset for topic partition %s. Value will be set to %d", off, t, end)
			off = end
		} else if start, ok := starts[t]; ok && off < start {
			c.log.Warnf("New offset (%d) is lower than earliest offset for topic partition %s. Value will be set to %d", off, t, start)
			off = start
		}
		out[t] = off
	}
	return out, nil
}

// printPlan is printOffsetsToReset.
func (c *command) printPlan(p plan) {
	if len(p) == 0 {
		return
	}
	c.printf("\n%-30s %-30s %-10s %-15s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
	for _, g := range sortedGroups(p) {
		for _, n := range p[g] {
			c.printf("%-30s %-30s %-10d %-15d\n", g, n.tp.topic, n.tp.partition, n.offset)
		}
	}
}

// exportCSV is exportOffsetsToCsv: "topic,partition,offset" lines for one
// --group, "group,topic,partition,offset" otherwise.
func (c *command) exportCSV(p plan) string {
	single := len(c.o.s.Values(c.o.group)) == 1
	var b strings.Builder
	for _, g := range sortedGroups(p) {
		for _, n := range p[g] {
			if !single {
				b.WriteString(g + ",")
			}
			fmt.Fprintf(&b, "%s,%d,%d\n", n.tp.topic, n.tp.partition, n.offset)
		}
	}
	return b.String()
}

func sortedGroups(p plan) []string {
	gs := make([]string, 0, len(p))
	for g := range p {
		gs = append(gs, g)
	}
	sort.Strings(gs)
	return gs
}

func sortedKeys(m map[tp]int64) []tp {
	tps := make([]tp, 0, len(m))
	for t := range m {
		tps = append(tps, t)
	}
	sortTPs(tps)
	return tps
}

// convertTimestamp is ConsumerGroupCommand.convertTimestamp: a datetime
// 'yyyy-MM-ddTHH:mm:ss.SSS' with an optional zone (Z, +hh:mm, +hhmm, +hh);
// without one it is UTC.
func convertTimestamp(s string) (int64, error) {
	_, timePart, ok := strings.Cut(s, "T")
	if !ok {
		return 0, &cli.JavaError{Text: "java.lang.ArrayIndexOutOfBoundsException: 1"}
	}
	if !strings.ContainsAny(timePart, "+-Z") {
		s += "Z"
	}
	for _, layout := range []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05.000Z07"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, &cli.JavaError{Text: fmt.Sprintf("java.text.ParseException: Unparseable date: \"%s\"", s)}
}

// durationRE is java.time.Duration.parse's grammar without fractions of
// units other than seconds.
var durationRE = regexp.MustCompile(`^([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$`)

// parseDuration is java.time.Duration.parse for 'PnDTnHnMn.nS'.
func parseDuration(s string) (time.Duration, error) {
	bad := &cli.JavaError{Text: fmt.Sprintf("java.time.format.DateTimeParseException: Text cannot be parsed to a Duration")}
	m := durationRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || (m[2] == "" && m[3] == "") || m[3] == "T" {
		return 0, bad
	}
	num := func(v string) int64 {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	d := time.Duration(num(m[2]))*24*time.Hour + time.Duration(num(m[4]))*time.Hour +
		time.Duration(num(m[5]))*time.Minute + time.Duration(num(m[6]))*time.Second
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		ns := time.Duration(num(frac))
		if strings.HasPrefix(m[6], "-") {
			ns = -ns
		}
		d += ns
	}
	if m[1] == "-" {
		d = -d
	}
	return d, nil
}
