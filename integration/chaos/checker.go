package chaos

import (
	"fmt"
	"slices"
)

// Kind names an anomaly as Jepsen's queue checker does.
type Kind string

// The anomalies Check looks for.
const (
	// LostWrite: an acknowledged send, at a position in its key's order
	// no later than the furthest any poll reached, that no poll returned.
	LostWrite Kind = "lost-write"
	// Duplicate: one value at several offsets.
	Duplicate Kind = "duplicate"
	// InconsistentOffsets: one offset holding several values.
	InconsistentOffsets Kind = "inconsistent-offsets"
	// NonmonotonicSend: one producer's later acknowledged send to a key
	// landed at an offset no greater than an earlier one's.
	NonmonotonicSend Kind = "nonmonotonic-send"
	// NonmonotonicPoll: one consumer, without reassignment in between,
	// read a key's offsets out of order or again.
	NonmonotonicPoll Kind = "nonmonotonic-poll"
	// PollSkip: one consumer, without reassignment in between, went past
	// records of a key that others saw.
	PollSkip Kind = "poll-skip"
	// Unseen: acknowledged but never read by the end of the run.
	Unseen Kind = "unseen"
)

// Kinds returns every kind, in report order.
func Kinds() []Kind {
	return []Kind{LostWrite, Duplicate, InconsistentOffsets, NonmonotonicSend, NonmonotonicPoll, PollSkip, Unseen}
}

// Settings are the client and broker settings a run used; they decide,
// with Jepsen's rules, which anomalies are allowed.
type Settings struct {
	// AcksAll with MinISR >= 2 and UncleanElection off is the durability
	// promise: without it an acknowledged write may be lost.
	AcksAll         bool
	MinISR          int
	UncleanElection bool
	// Idempotent producers promise no duplicates and in-order sends.
	Idempotent bool
}

// Safe are the settings Jepsen calls safe (its -s flag).
func Safe() Settings {
	return Settings{AcksAll: true, MinISR: 2, Idempotent: true}
}

// Anomaly is one finding, located precisely enough to look up in the
// brokers' logs.
type Anomaly struct {
	Kind    Kind
	Key     int32
	Offset  int64
	Value   int64
	Process int
	Detail  string
	// Allowed is true when the run's settings or the poll's mode permit
	// the anomaly, so it is reported but does not fail the run.
	Allowed bool
}

func (a Anomaly) String() string {
	s := fmt.Sprintf("%s key %d offset %d value %d process %d", a.Kind, a.Key, a.Offset, a.Value, a.Process)
	if a.Detail != "" {
		s += ": " + a.Detail
	}
	if a.Allowed {
		s += " (allowed)"
	}
	return s
}

// Result is what Check found.
type Result struct {
	Sends, AckedSends, FailedSends, IndeterminateSends int
	Polls, PolledMsgs                                  int
	// SubscribePolls counts the polls made through a consumer group.
	SubscribePolls int
	Anomalies      []Anomaly
}

// Count returns how many anomalies of kind k were found, allowed or not.
func (r Result) Count(k Kind) int {
	n := 0
	for _, a := range r.Anomalies {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// Failures returns the anomalies that are not allowed.
func (r Result) Failures() []Anomaly {
	var out []Anomaly
	for _, a := range r.Anomalies {
		if !a.Allowed {
			out = append(out, a)
		}
	}
	return out
}

// allowed applies Jepsen's rules for anomalies independent of the
// consumer's mode.
func (s Settings) allowed(k Kind) bool {
	switch k {
	case LostWrite, Unseen:
		return !s.AcksAll || s.MinISR < 2 || s.UncleanElection
	case Duplicate, NonmonotonicSend:
		return !s.Idempotent
	}
	return false
}

// keyOrder is what every operation saw of one key: the values at each
// offset, and the offsets in order.
type keyOrder struct {
	values  map[int64][]int64 // offset -> distinct values
	offsets []int64           // sorted distinct offsets
	index   map[int64]int     // offset -> position in offsets
}

func (o *keyOrder) add(offset, value int64) {
	if !slices.Contains(o.values[offset], value) {
		o.values[offset] = append(o.values[offset], value)
	}
}

// Check finds the anomalies in ops, which must be in completion order.
func Check(ops []Op, s Settings) Result {
	var r Result
	orders := map[int32]*keyOrder{}
	order := func(k int32) *keyOrder {
		o := orders[k]
		if o == nil {
			o = &keyOrder{values: map[int64][]int64{}, index: map[int64]int{}}
			orders[k] = o
		}
		return o
	}
	valueOffsets := map[int64][]int64{}
	valueKey := map[int64]int32{}
	note := func(m Msg) {
		order(m.Key).add(m.Offset, m.Value)
		valueKey[m.Value] = m.Key
		if !slices.Contains(valueOffsets[m.Value], m.Offset) {
			valueOffsets[m.Value] = append(valueOffsets[m.Value], m.Offset)
		}
	}
	polled := map[int64]bool{}
	for _, op := range ops {
		switch op.Type {
		case Send:
			r.Sends++
			switch op.Outcome {
			case OK:
				r.AckedSends++
				note(op.Send)
			case Fail:
				r.FailedSends++
			default:
				r.IndeterminateSends++
			}
		case Poll:
			r.Polls++
			if op.Mode == Subscribe {
				r.SubscribePolls++
			}
			r.PolledMsgs += len(op.Polled)
			for _, m := range op.Polled {
				note(m)
				polled[m.Value] = true
			}
		}
	}
	for _, o := range orders {
		for off := range o.values {
			o.offsets = append(o.offsets, off)
		}
		slices.Sort(o.offsets)
		for i, off := range o.offsets {
			o.index[off] = i
		}
	}
	add := func(a Anomaly) {
		a.Allowed = a.Allowed || s.allowed(a.Kind)
		r.Anomalies = append(r.Anomalies, a)
	}

	keys := make([]int32, 0, len(orders))
	for k := range orders {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o := orders[k]
		for _, off := range o.offsets {
			if vs := o.values[off]; len(vs) > 1 {
				add(Anomaly{Kind: InconsistentOffsets, Key: k, Offset: off, Value: vs[0], Detail: fmt.Sprintf("values %v", vs)})
			}
		}
	}
	values := make([]int64, 0, len(valueOffsets))
	for v := range valueOffsets {
		values = append(values, v)
	}
	slices.Sort(values)
	for _, v := range values {
		if offs := valueOffsets[v]; len(offs) > 1 {
			slices.Sort(offs)
			add(Anomaly{Kind: Duplicate, Key: valueKey[v], Offset: offs[0], Value: v, Detail: fmt.Sprintf("offsets %v", offs)})
		}
	}

	// The furthest position in each key's order that any poll reached.
	reached := map[int32]int{}
	for _, op := range ops {
		for _, m := range op.Polled {
			if i, ok := reached[m.Key]; !ok || orders[m.Key].index[m.Offset] > i {
				reached[m.Key] = orders[m.Key].index[m.Offset]
			}
		}
	}
	type procKey struct {
		process int
		key     int32
	}
	lastSend := map[procKey]int64{}
	for _, op := range ops {
		if op.Type != Send || op.Outcome != OK {
			continue
		}
		m := op.Send
		pk := procKey{op.Process, m.Key}
		if prev, ok := lastSend[pk]; ok && m.Offset <= prev {
			add(Anomaly{Kind: NonmonotonicSend, Key: m.Key, Offset: m.Offset, Value: m.Value, Process: op.Process,
				Detail: fmt.Sprintf("after a send at offset %d", prev)})
		}
		lastSend[pk] = m.Offset
		if polled[m.Value] {
			continue
		}
		i, ok := reached[m.Key]
		if ok && orders[m.Key].index[m.Offset] <= i {
			add(Anomaly{Kind: LostWrite, Key: m.Key, Offset: m.Offset, Value: m.Value, Process: op.Process,
				Detail: fmt.Sprintf("acknowledged, never polled, though polls reached offset %d", orders[m.Key].offsets[i])})
		} else {
			add(Anomaly{Kind: Unseen, Key: m.Key, Offset: m.Offset, Value: m.Value, Process: op.Process,
				Detail: "acknowledged, never polled"})
		}
	}

	type consumerKey struct {
		process, epoch int
		key            int32
	}
	lastPoll := map[consumerKey]int64{}
	for _, op := range ops {
		if op.Type != Poll {
			continue
		}
		for _, m := range op.Polled {
			ck := consumerKey{op.Process, op.Epoch, m.Key}
			prev, ok := lastPoll[ck]
			lastPoll[ck] = m.Offset
			if !ok {
				continue
			}
			o := orders[m.Key]
			switch {
			case m.Offset <= prev:
				add(Anomaly{Kind: NonmonotonicPoll, Key: m.Key, Offset: m.Offset, Value: m.Value, Process: op.Process,
					Detail: fmt.Sprintf("after offset %d", prev), Allowed: op.Mode == Subscribe})
			case o.index[m.Offset]-o.index[prev] > 1:
				add(Anomaly{Kind: PollSkip, Key: m.Key, Offset: m.Offset, Value: m.Value, Process: op.Process,
					Detail:  fmt.Sprintf("after offset %d, skipping %d records others saw", prev, o.index[m.Offset]-o.index[prev]-1),
					Allowed: op.Mode == Subscribe})
			}
		}
	}
	return r
}
