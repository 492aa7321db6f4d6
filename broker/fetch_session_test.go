package broker

import (
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

// seqIDs hands out session ids 1, 2, 3... so tests can name sessions.
func seqIDs() func() int32 {
	var n int32
	return func() int32 { n++; return n }
}

func tps(names ...int32) []fetchPartition {
	out := make([]fetchPartition, len(names))
	for i, p := range names {
		out[i] = fetchPartition{tp: storage.TopicPartition{Topic: "t", Partition: p}, fetchOffset: 0, logStartOffset: -1, maxBytes: 100, currentLeaderEpoch: -1}
	}
	return out
}

// okOutcomes are results without data at high watermark hw.
func okOutcomes(n int, hw int64) []fetchOutcome {
	out := make([]fetchOutcome, n)
	for i := range out {
		out[i] = fetchOutcome{highWatermark: hw, lastStableOffset: hw, logStartOffset: 0, preferredReadReplica: -1}
	}
	return out
}

// createSession runs a full fetch of parts at time now and returns the new id.
func createSession(t *testing.T, c *fetchSessionCache, parts []fetchPartition, follower bool, now int64) int32 {
	t.Helper()
	fc := c.newContext(0, 0, parts, nil, follower, now)
	if fc.kind != fetchFull {
		t.Fatalf("full request: context kind %d", fc.kind)
	}
	code, id, send := c.respond(fc, okOutcomes(len(parts), 10), now)
	if code != 0 || len(send) != len(parts) {
		t.Fatalf("full response: code %d, sent %d of %d", code, len(send), len(parts))
	}
	return id
}

func TestNextFetchEpoch(t *testing.T) {
	for _, tt := range []struct{ in, want int32 }{{-1, -1}, {-7, -1}, {0, 1}, {1, 2}, {math.MaxInt32, 1}} {
		if got := nextFetchEpoch(tt.in); got != tt.want {
			t.Errorf("nextFetchEpoch(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestFetchSessionEpochs walks one session through requests with good and
// bad ids and epochs.
func TestFetchSessionEpochs(t *testing.T) {
	type step struct {
		id, epoch int32
		wantKind  fetchContextKind
		wantCode  int16
	}
	for _, tt := range []struct {
		name  string
		steps []step
		left  int // sessions cached at the end
	}{
		{"incremental epochs in order", []step{{1, 1, fetchIncremental, 0}, {1, 2, fetchIncremental, 0}, {1, 3, fetchIncremental, 0}}, 1},
		{"unknown session", []step{{99, 1, fetchSessionError, kerr.FetchSessionIDNotFound.Code}}, 1},
		{"epoch repeated", []step{{1, 1, fetchIncremental, 0}, {1, 1, fetchSessionError, kerr.InvalidFetchSessionEpoch.Code}}, 1},
		{"epoch skipped", []step{{1, 2, fetchSessionError, kerr.InvalidFetchSessionEpoch.Code}, {1, 1, fetchIncremental, 0}}, 1},
		{"final epoch closes", []step{{1, -1, fetchSessionless, 0}, {1, 1, fetchSessionError, kerr.FetchSessionIDNotFound.Code}}, 0},
		// As in Kafka, the new full fetch gets a session even with no partitions.
		{"initial epoch closes and starts over", []step{{1, 0, fetchFull, 0}, {1, 1, fetchSessionError, kerr.FetchSessionIDNotFound.Code}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newFetchSessionCache(10, fetchSessionEvictionMs, seqIDs())
			if id := createSession(t, c, tps(0, 1), false, 0); id != 1 {
				t.Fatalf("first session id %d, want 1", id)
			}
			for i, st := range tt.steps {
				fc := c.newContext(st.id, st.epoch, nil, nil, false, 1)
				if fc.kind != st.wantKind || fc.errorCode != st.wantCode {
					t.Fatalf("step %d (id %d epoch %d): kind %d code %d, want kind %d code %d", i, st.id, st.epoch, fc.kind, fc.errorCode, st.wantKind, st.wantCode)
				}
				code, id, _ := c.respond(fc, okOutcomes(len(fc.parts), 10), 1)
				if code != st.wantCode {
					t.Fatalf("step %d: response code %d, want %d", i, code, st.wantCode)
				}
				if st.wantKind == fetchIncremental && id != st.id {
					t.Fatalf("step %d: response session %d, want %d", i, id, st.id)
				}
				if st.wantKind == fetchSessionError && id != 0 {
					t.Fatalf("step %d: error response names session %d", i, id)
				}
			}
			if got := c.size(); got != tt.left {
				t.Fatalf("%d sessions cached, want %d", got, tt.left)
			}
		})
	}
}

// TestFetchSessionDuplicateRequest: two requests with the same epoch in
// flight; the second is refused at once, and a response prepared for a
// stale epoch is refused too.
func TestFetchSessionDuplicateRequest(t *testing.T) {
	c := newFetchSessionCache(10, fetchSessionEvictionMs, seqIDs())
	id := createSession(t, c, tps(0), false, 0)
	first := c.newContext(id, 1, nil, nil, false, 1)
	if dup := c.newContext(id, 1, nil, nil, false, 1); dup.kind != fetchSessionError || dup.errorCode != kerr.InvalidFetchSessionEpoch.Code {
		t.Fatalf("duplicate: kind %d code %d", dup.kind, dup.errorCode)
	}
	next := c.newContext(id, 2, nil, nil, false, 2)
	if next.kind != fetchIncremental {
		t.Fatalf("next epoch: kind %d", next.kind)
	}
	if code, gotID, send := c.respond(first, okOutcomes(1, 10), 2); code != kerr.InvalidFetchSessionEpoch.Code || gotID != id || send != nil {
		t.Fatalf("stale response: code %d id %d send %v", code, gotID, send)
	}
}

// TestFetchSessionIncrementalResponse: a partition is sent only when its
// data, high watermark, last stable offset, log start offset or error
// changed, or it has a preferred read replica.
func TestFetchSessionIncrementalResponse(t *testing.T) {
	base := fetchOutcome{highWatermark: 10, lastStableOffset: 10, logStartOffset: 0, preferredReadReplica: -1}
	with := func(f func(*fetchOutcome)) fetchOutcome { o := base; f(&o); return o }
	for _, tt := range []struct {
		name string
		out  []fetchOutcome // successive incremental fetches
		want []bool
	}{
		{"nothing new", []fetchOutcome{base, base}, []bool{false, false}},
		{"records", []fetchOutcome{with(func(o *fetchOutcome) { o.hasRecords = true }), base}, []bool{true, false}},
		{"high watermark", []fetchOutcome{with(func(o *fetchOutcome) { o.highWatermark = 12 }), with(func(o *fetchOutcome) { o.highWatermark = 12 })}, []bool{true, false}},
		{"last stable offset", []fetchOutcome{with(func(o *fetchOutcome) { o.lastStableOffset = 9 }), with(func(o *fetchOutcome) { o.lastStableOffset = 9 })}, []bool{true, false}},
		{"log start offset", []fetchOutcome{with(func(o *fetchOutcome) { o.logStartOffset = 5 }), with(func(o *fetchOutcome) { o.logStartOffset = 5 })}, []bool{true, false}},
		// The error resets the cached high watermark, so the partition is sent
		// again once the error is gone even though its offsets are unchanged.
		{"error, then recovered", []fetchOutcome{with(func(o *fetchOutcome) { o.errorCode = kerr.OffsetOutOfRange.Code }), base, base}, []bool{true, true, false}},
		{"error every time", []fetchOutcome{with(func(o *fetchOutcome) { o.errorCode = kerr.OffsetOutOfRange.Code }), with(func(o *fetchOutcome) { o.errorCode = kerr.OffsetOutOfRange.Code })}, []bool{true, true}},
		{"preferred read replica", []fetchOutcome{with(func(o *fetchOutcome) { o.preferredReadReplica = 2 })}, []bool{true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newFetchSessionCache(10, fetchSessionEvictionMs, seqIDs())
			id := createSession(t, c, tps(0), false, 0) // cached: hw 10, lso 10, log start 0
			for i, o := range tt.out {
				fc := c.newContext(id, int32(i+1), nil, nil, false, 1)
				code, _, send := c.respond(fc, []fetchOutcome{o}, 1)
				if code != 0 {
					t.Fatalf("fetch %d: code %d", i, code)
				}
				if got := len(send) == 1; got != tt.want[i] {
					t.Fatalf("fetch %d: sent %v, want %v", i, got, tt.want[i])
				}
			}
		})
	}
}

// TestFetchSessionPartitions: incremental requests add and update
// partitions, forget others, and partitions sent move to the back.
func TestFetchSessionPartitions(t *testing.T) {
	c := newFetchSessionCache(10, fetchSessionEvictionMs, seqIDs())
	id := createSession(t, c, tps(0, 1, 2), false, 0)

	// Add 3, move 1's offset, forget 0.
	upd := tps(1, 3)
	upd[0].fetchOffset = 7
	fc := c.newContext(id, 1, upd, []storage.TopicPartition{{Topic: "t", Partition: 0}, {Topic: "gone", Partition: 9}}, false, 1)
	if fc.kind != fetchIncremental {
		t.Fatalf("kind %d", fc.kind)
	}
	order := func(parts []fetchPartition) []int32 {
		var out []int32
		for _, p := range parts {
			out = append(out, p.tp.Partition)
		}
		return out
	}
	if got := order(fc.parts); !equalInt32s(got, []int32{1, 2, 3}) {
		t.Fatalf("session partitions %v, want [1 2 3]", got)
	}
	if fc.parts[0].fetchOffset != 7 || fc.parts[0].currentLeaderEpoch != -1 {
		t.Fatalf("partition 1 read with %+v, want offset 7 and no epoch check", fc.parts[0])
	}
	// 1 has data: it is sent and moves behind 2 and 3; 3 is new (nothing
	// cached), so it is sent too.
	outs := okOutcomes(3, 10)
	outs[0].hasRecords = true
	_, _, send := c.respond(fc, outs, 1)
	if !equalInts(send, []int{0, 2}) {
		t.Fatalf("sent %v, want [0 2]", send)
	}
	fc = c.newContext(id, 2, nil, nil, false, 2)
	if got := order(fc.parts); !equalInt32s(got, []int32{2, 1, 3}) {
		t.Fatalf("order after response %v, want [2 1 3]", got)
	}
	c.respond(fc, okOutcomes(3, 10), 2)

	// Forgetting the rest ends the session.
	fc = c.newContext(id, 3, nil, []storage.TopicPartition{{Topic: "t", Partition: 1}, {Topic: "t", Partition: 2}, {Topic: "t", Partition: 3}}, false, 3)
	if fc.kind != fetchSessionless || len(fc.parts) != 0 || c.size() != 0 {
		t.Fatalf("emptied session: kind %d parts %d, %d sessions cached", fc.kind, len(fc.parts), c.size())
	}
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFetchSessionEviction: the cache holds two sessions; a third full
// fetch takes a slot only by Kafka's rules.
func TestFetchSessionEviction(t *testing.T) {
	const ev = fetchSessionEvictionMs
	type existing struct {
		size       int
		privileged bool
		createdMs  int64
		usedMs     int64 // last incremental fetch (>= createdMs)
	}
	for _, tt := range []struct {
		name       string
		have       [2]existing
		newSize    int
		privileged bool
		now        int64
		wantEvict  int32 // id evicted (1 or 2), 0 = none and no session created
	}{
		{"stale session goes first", [2]existing{{5, false, 0, 0}, {1, false, 0, 10}}, 1, false, ev + 5, 1},
		{"young sessions stay for a consumer", [2]existing{{1, false, 100, 100}, {1, false, 100, 100}}, 9, false, 200, 0},
		{"a follower evicts a young consumer session, the smaller", [2]existing{{3, false, 100, 100}, {2, false, 100, 100}}, 1, true, 200, 2},
		{"a follower does not evict young follower sessions", [2]existing{{1, true, 100, 100}, {1, true, 100, 100}}, 9, true, 200, 0},
		{"an old session is evicted by a bigger one", [2]existing{{4, false, 0, ev + 50}, {3, false, 0, ev + 50}}, 4, false, ev + 60, 2},
		{"an old session is kept against one of its size", [2]existing{{4, false, 0, ev + 50}, {3, false, 0, ev + 50}}, 3, false, ev + 60, 0},
		{"an old session is kept against a smaller one", [2]existing{{4, false, 0, ev + 50}, {3, false, 0, ev + 50}}, 2, false, ev + 60, 0},
		{"an old consumer session before an old follower session", [2]existing{{1, true, 0, ev + 50}, {9, false, 0, ev + 50}}, 1, true, ev + 60, 2},
		{"a consumer never evicts an old follower session of more partitions", [2]existing{{5, true, 0, ev + 50}, {5, true, 0, ev + 50}}, 4, false, ev + 60, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newFetchSessionCache(2, ev, seqIDs())
			for i, e := range tt.have {
				parts := make([]int32, e.size)
				for p := range parts {
					parts[p] = int32(p)
				}
				id := createSession(t, c, tps(parts...), e.privileged, e.createdMs)
				if id != int32(i+1) {
					t.Fatalf("session %d got id %d", i+1, id)
				}
				if e.usedMs != e.createdMs {
					fc := c.newContext(id, 1, nil, nil, e.privileged, e.usedMs)
					c.respond(fc, okOutcomes(len(fc.parts), 10), e.usedMs)
				}
			}
			parts := make([]int32, tt.newSize)
			for p := range parts {
				parts[p] = int32(p)
			}
			fc := c.newContext(0, 0, tps(parts...), nil, tt.privileged, tt.now)
			_, id, _ := c.respond(fc, okOutcomes(tt.newSize, 10), tt.now)
			if tt.wantEvict == 0 {
				if id != 0 || c.size() != 2 {
					t.Fatalf("got session %d with %d cached, want none", id, c.size())
				}
				return
			}
			if id != 3 {
				t.Fatalf("new session id %d, want 3", id)
			}
			for _, old := range []int32{1, 2} {
				_, cached := c.sessions[old]
				if cached == (old == tt.wantEvict) {
					t.Fatalf("session %d cached=%v, want evicted %d", old, cached, tt.wantEvict)
				}
			}
		})
	}
}

// TestFetchSessionCacheDisabled: zero slots means no sessions at all.
func TestFetchSessionCacheDisabled(t *testing.T) {
	c := newFetchSessionCache(0, fetchSessionEvictionMs, nil)
	fc := c.newContext(0, 0, tps(0), nil, false, 0)
	if _, id, _ := c.respond(fc, okOutcomes(1, 0), 0); id != 0 {
		t.Fatalf("session %d created with no slots", id)
	}
}

// TestFetchSessionsOverTheWire: a full Fetch creates a session, an
// incremental one with nothing new returns no partitions, and one after a
// produce returns the partition with the records.
func TestFetchSessionsOverTheWire(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 2)
	if rp := produce(t, c, "t", 0, 1, makeBatch(2, 1)); rp.ErrorCode != 0 {
		t.Fatalf("produce: %d", rp.ErrorCode)
	}
	req := func(id, epoch int32, offsets map[int32]int64) *kmsg.FetchResponse {
		t.Helper()
		r := kmsg.NewPtrFetchRequest()
		r.ReplicaID, r.MaxBytes, r.SessionID, r.SessionEpoch = -1, 1<<20, id, epoch
		if len(offsets) > 0 {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = "t"
			for p := int32(0); p < 2; p++ {
				off, ok := offsets[p]
				if !ok {
					continue
				}
				rp := kmsg.NewFetchRequestTopicPartition()
				rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p, off, 1<<20
				rt.Partitions = append(rt.Partitions, rp)
			}
			r.Topics = append(r.Topics, rt)
		}
		resp := c.do(r, 11).(*kmsg.FetchResponse)
		return resp
	}
	full := req(0, 0, map[int32]int64{0: 0, 1: 0})
	if full.ErrorCode != 0 || full.SessionID == 0 || len(full.Topics) != 1 || len(full.Topics[0].Partitions) != 2 {
		t.Fatalf("full fetch: code %d session %d topics %+v", full.ErrorCode, full.SessionID, full.Topics)
	}
	if got := batchOffsets(full.Topics[0].Partitions[0].RecordBatches); len(got) != 1 {
		t.Fatalf("full fetch batches %v", got)
	}
	id := full.SessionID
	inc := req(id, 1, map[int32]int64{0: 2})
	if inc.ErrorCode != 0 || inc.SessionID != id || len(inc.Topics) != 0 {
		t.Fatalf("incremental with nothing new: code %d session %d topics %+v", inc.ErrorCode, inc.SessionID, inc.Topics)
	}
	produce(t, c, "t", 1, 1, makeBatch(1, 2))
	inc = req(id, 2, nil)
	if inc.ErrorCode != 0 || len(inc.Topics) != 1 || len(inc.Topics[0].Partitions) != 1 || inc.Topics[0].Partitions[0].Partition != 1 {
		t.Fatalf("incremental after produce to 1: code %d topics %+v", inc.ErrorCode, inc.Topics)
	}
	if p := inc.Topics[0].Partitions[0]; p.HighWatermark != 1 || len(batchOffsets(p.RecordBatches)) != 1 {
		t.Fatalf("partition 1: %+v", p)
	}
	if bad := req(id, 2, nil); bad.ErrorCode != kerr.InvalidFetchSessionEpoch.Code || len(bad.Topics) != 0 {
		t.Fatalf("repeated epoch: code %d", bad.ErrorCode)
	}
	if bad := req(id+1, 1, nil); bad.ErrorCode != kerr.FetchSessionIDNotFound.Code {
		t.Fatalf("unknown session: code %d", bad.ErrorCode)
	}
	// Below v7 there are no sessions, whatever the struct holds.
	r := fetchRequest("t", 0, 0, -1, 0, 1)
	r.SessionEpoch = 0
	if resp := c.do(r, 6).(*kmsg.FetchResponse); len(resp.Topics) != 1 {
		t.Fatalf("v6 fetch: %+v", resp)
	}
}

// TestFetchZstdTopicBelowV10: a topic whose compression.type is zstd
// answers UNSUPPORTED_COMPRESSION_TYPE to fetches below v10 only.
func TestFetchZstdTopicBelowV10(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.admin.mu.Lock()
	h.admin.configs["z"] = map[string]string{"compression.type": "zstd"}
	h.admin.mu.Unlock()
	h.hostTopic(c, "z", 1)
	h.hostTopic(c, "plain", 1)
	for v := int16(4); v <= 11; v++ {
		r := fetchRequest("z", 0, 0, -1, 0, 1)
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "plain"
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.PartitionMaxBytes = 1 << 20
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
		resp := c.do(r, v).(*kmsg.FetchResponse)
		if len(resp.Topics) != 2 {
			t.Fatalf("v%d: %d topics", v, len(resp.Topics))
		}
		z, plain := resp.Topics[0].Partitions[0], resp.Topics[1].Partitions[0]
		want := int16(0)
		if v < 10 {
			want = kerr.UnsupportedCompressionType.Code
		}
		if z.ErrorCode != want || plain.ErrorCode != 0 {
			t.Errorf("v%d: zstd topic code %d (want %d), plain topic code %d", v, z.ErrorCode, want, plain.ErrorCode)
		}
		if v < 10 && (z.HighWatermark != -1 || z.LogStartOffset != -1 && v >= 5) {
			t.Errorf("v%d: error partition with offsets %+v", v, z)
		}
	}
}
