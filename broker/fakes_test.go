package broker

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

// fakeNode is an in-memory Node.
type fakeNode struct {
	mu                 sync.Mutex
	clusterID          string
	epoch              int64
	controller         bool
	prepareErr         error
	registerErr        error
	shutdownErr        error
	calls              []string
	controlledShutdown int
	nextBlock          int64
	isrUpdates         []coordinator.PartitionState
	isrNotified        []coordinator.TopicPartition
	// elect answers ElectLeaders on the controller.
	elect func(coordinator.ElectionType, []coordinator.TopicPartition) ([]coordinator.ElectionResult, error)
	// reassignErr answers AlterPartitionReassignments; reassigned records
	// its requests; reassigning answers ListPartitionReassignments.
	reassignErr map[coordinator.TopicPartition]error
	reassigned  []coordinator.ReassignmentRequest
	reassigning []coordinator.PartitionReassignment
}

func (n *fakeNode) record(c string) {
	n.mu.Lock()
	n.calls = append(n.calls, c)
	n.mu.Unlock()
}

func (n *fakeNode) Prepare(context.Context) (string, error) {
	n.record("prepare")
	return n.clusterID, n.prepareErr
}

func (n *fakeNode) Register(context.Context) (int64, error) {
	n.record("register")
	return n.epoch, n.registerErr
}
func (n *fakeNode) BrokerEpoch() int64 { return n.epoch }
func (n *fakeNode) IsController() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.controller
}

func (n *fakeNode) ControlledShutdown(context.Context) error {
	n.record("controlled-shutdown")
	return n.shutdownErr
}

func (n *fakeNode) NewProducerIDBlock(context.Context) (int64, int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	start := n.nextBlock
	n.nextBlock += 3
	return start, start + 2, nil
}

func (n *fakeNode) UpdateLeaderAndISR(_ context.Context, tp coordinator.TopicPartition, s coordinator.PartitionState) (int32, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isrUpdates = append(n.isrUpdates, s)
	n.isrNotified = append(n.isrNotified, tp)
	return s.ZkVersion + 1, nil
}

func (n *fakeNode) NotifyISRChange(tps ...coordinator.TopicPartition) {}

func (n *fakeNode) lastISR() ([]int32, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.isrUpdates) == 0 {
		return nil, 0
	}
	return n.isrUpdates[len(n.isrUpdates)-1].ISR, len(n.isrUpdates)
}

func (n *fakeNode) HandleControlledShutdown(_ context.Context, id int32, epoch int64) ([]coordinator.TopicPartition, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.controller {
		return nil, coordinator.ErrNotController
	}
	if epoch != -1 && epoch < 50 {
		return nil, coordinator.ErrStaleBrokerEpoch
	}
	if id == 3 {
		return []coordinator.TopicPartition{{Topic: "t", Partition: 4}}, nil
	}
	return nil, nil
}

// ElectLeaders answers from n.elect (nil: no results); ErrNotController
// when the fake is not the controller.
func (n *fakeNode) ElectLeaders(_ context.Context, typ coordinator.ElectionType, tps []coordinator.TopicPartition) ([]coordinator.ElectionResult, error) {
	n.mu.Lock()
	controller, elect := n.controller, n.elect
	n.mu.Unlock()
	if !controller {
		return nil, coordinator.ErrNotController
	}
	if elect == nil {
		return nil, nil
	}
	return elect(typ, tps)
}

// AlterPartitionReassignments records the requests and answers each with
// n.reassignErr[partition] (nil: started).
func (n *fakeNode) AlterPartitionReassignments(_ context.Context, reqs []coordinator.ReassignmentRequest) ([]coordinator.ReassignmentResult, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.controller {
		return nil, coordinator.ErrNotController
	}
	n.reassigned = append(n.reassigned, reqs...)
	var out []coordinator.ReassignmentResult
	for _, r := range reqs {
		out = append(out, coordinator.ReassignmentResult{Partition: r.Partition, Err: n.reassignErr[r.Partition]})
	}
	return out, nil
}

// ListPartitionReassignments answers n.reassigning, filtered by tps.
func (n *fakeNode) ListPartitionReassignments(_ context.Context, tps []coordinator.TopicPartition) ([]coordinator.PartitionReassignment, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.controller {
		return nil, coordinator.ErrNotController
	}
	var out []coordinator.PartitionReassignment
	for _, r := range n.reassigning {
		if tps == nil || slices.Contains(tps, r.Partition) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (n *fakeNode) Close() error {
	n.record("close")
	return nil
}

func (n *fakeNode) callList() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.calls...)
}

// fakeAdmin is an in-memory Admin.
type fakeAdmin struct {
	// onCreate (also for AddPartitions) and onDelete run after a topic is
	// written or marked, like
	// the controller reacting to the znodes.
	onCreate func(topic string, assignment map[int32][]int32)
	onDelete func(topic string)

	mu      sync.Mutex
	topics  map[string]map[int32][]int32
	configs map[string]map[string]string
	deleted []string
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{topics: map[string]map[int32][]int32{}, configs: map[string]map[string]string{}}
}

func (a *fakeAdmin) CreateTopic(_ context.Context, topic string, assignment map[int32][]int32, config map[string]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.topics[topic]; ok {
		return coordinator.ErrTopicExists
	}
	a.topics[topic] = assignment
	a.configs[topic] = config
	if a.onCreate != nil {
		a.onCreate(topic, assignment)
	}
	return nil
}

func (a *fakeAdmin) AddPartitions(_ context.Context, topic string, assignment map[int32][]int32) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.topics[topic]; !ok {
		return coordinator.ErrTopicNotFound
	}
	for p, r := range assignment {
		if _, dup := a.topics[topic][p]; dup {
			return coordinator.ErrInvalidReplicaAssignment
		}
		a.topics[topic][p] = r
	}
	if a.onCreate != nil {
		a.onCreate(topic, a.topics[topic])
	}
	return nil
}

func (a *fakeAdmin) TopicAssignment(_ context.Context, topic string) (map[int32][]int32, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	as, ok := a.topics[topic]
	if !ok {
		return nil, coordinator.ErrNoNode
	}
	return as, nil
}

func (a *fakeAdmin) TopicBeingReassigned(context.Context, string) error { return nil }

func (a *fakeAdmin) TopicConfig(_ context.Context, topic string) (map[string]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.configs[topic], nil
}

func (a *fakeAdmin) MarkTopicForDeletion(_ context.Context, topic string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.deleted = append(a.deleted, topic)
	if a.onDelete != nil {
		a.onDelete(topic)
	}
	return nil
}

func (a *fakeAdmin) assignment(topic string) (map[int32][]int32, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	as, ok := a.topics[topic]
	return as, ok
}

// fakeLogs is an in-memory Logs.
type fakeLogs struct {
	mu          sync.Mutex
	metaCluster string
	metaBroker  int32
	metaFound   bool
	written     bool
	logs        map[storage.TopicPartition]*fakeLog
	deleted     []storage.TopicPartition
	hw          map[storage.TopicPartition]int64
	closed      bool
}

func newFakeLogs() *fakeLogs {
	return &fakeLogs{logs: map[storage.TopicPartition]*fakeLog{}, hw: map[storage.TopicPartition]int64{}}
}

func (l *fakeLogs) Meta() (string, int32, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.metaCluster, l.metaBroker, l.metaFound, nil
}

func (l *fakeLogs) WriteMeta(clusterID string, brokerID int32) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.metaCluster, l.metaBroker, l.metaFound, l.written = clusterID, brokerID, true, true
	return nil
}

func (l *fakeLogs) GetOrCreate(tp storage.TopicPartition, cfg storage.LogConfig) (PartitionLog, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lg, ok := l.logs[tp]; ok {
		return lg, nil
	}
	lg := &fakeLog{cfg: cfg}
	l.logs[tp] = lg
	return lg, nil
}

func (l *fakeLogs) Get(tp storage.TopicPartition) (PartitionLog, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lg, ok := l.logs[tp]
	if !ok {
		return nil, false
	}
	return lg, true
}

func (l *fakeLogs) fake(tp storage.TopicPartition) *fakeLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logs[tp]
}

func (l *fakeLogs) Delete(tp storage.TopicPartition) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.logs, tp)
	l.deleted = append(l.deleted, tp)
	return nil
}

func (l *fakeLogs) HighWatermarks() map[storage.TopicPartition]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[storage.TopicPartition]int64{}
	for k, v := range l.hw {
		out[k] = v
	}
	return out
}

func (l *fakeLogs) CheckpointHighWatermarks(hw map[storage.TopicPartition]int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range hw {
		l.hw[k] = v
	}
	return nil
}

func (l *fakeLogs) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// fakeLog keeps batches in memory and assigns offsets like a leader log:
// it rewrites each batch's base offset and partition leader epoch.
type fakeLog struct {
	mu      sync.Mutex
	cfg     storage.LogConfig
	batches [][]byte
	start   int64
	end     int64
	hw      int64
	epochs  [][2]int64 // (epoch, start offset)
}

func (l *fakeLog) Config() storage.LogConfig { l.mu.Lock(); defer l.mu.Unlock(); return l.cfg }
func (l *fakeLog) SetConfig(c storage.LogConfig) {
	l.mu.Lock()
	l.cfg = c
	l.mu.Unlock()
}

func (l *fakeLog) Append(b []byte, leaderEpoch int32, _ time.Time) (storage.AppendResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.end
	for len(b) > 0 {
		if len(b) < 61 {
			return storage.AppendResult{}, storage.ErrCorruptBatch
		}
		n := int(binary.BigEndian.Uint32(b[8:])) + 12
		if n > len(b) {
			return storage.AppendResult{}, storage.ErrCorruptBatch
		}
		batch := append([]byte(nil), b[:n]...)
		binary.BigEndian.PutUint64(batch, uint64(l.end))
		binary.BigEndian.PutUint32(batch[12:], uint32(leaderEpoch))
		l.end += int64(binary.BigEndian.Uint32(batch[23:])) + 1
		l.batches = append(l.batches, batch)
		b = b[n:]
	}
	return storage.AppendResult{FirstOffset: first, LastOffset: l.end - 1, LogEndOffset: l.end, LogAppendTime: -1, LogStartOffset: l.start}, nil
}

func (l *fakeLog) AppendAsFollower(b []byte) (storage.AppendResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.end
	for len(b) > 0 {
		if len(b) < 61 {
			return storage.AppendResult{}, storage.ErrCorruptBatch
		}
		n := int(binary.BigEndian.Uint32(b[8:])) + 12
		if n > len(b) {
			return storage.AppendResult{}, storage.ErrCorruptBatch
		}
		base := int64(binary.BigEndian.Uint64(b))
		if base != l.end {
			return storage.AppendResult{}, fmt.Errorf("fakeLog: follower batch at %d, log end %d", base, l.end)
		}
		l.batches = append(l.batches, append([]byte(nil), b[:n]...))
		l.end = base + int64(binary.BigEndian.Uint32(b[23:])) + 1
		b = b[n:]
	}
	return storage.AppendResult{FirstOffset: first, LastOffset: l.end - 1, LogEndOffset: l.end, LogAppendTime: -1, LogStartOffset: l.start}, nil
}

func (l *fakeLog) Read(offset, maxOffset int64, maxBytes int32, minOneBatch bool) (Records, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if offset < l.start || offset > l.end {
		return nil, storage.ErrOffsetOutOfRange
	}
	var out fakeRecords
	for _, b := range l.batches {
		base := int64(binary.BigEndian.Uint64(b))
		last := base + int64(binary.BigEndian.Uint32(b[23:]))
		if last < offset {
			continue
		}
		if maxOffset >= 0 && last >= maxOffset {
			break
		}
		if len(out)+len(b) > int(maxBytes) && !(minOneBatch && len(out) == 0) {
			break
		}
		out = append(out, b...)
	}
	return out, nil
}

func (l *fakeLog) LogStartOffset() int64 { l.mu.Lock(); defer l.mu.Unlock(); return l.start }
func (l *fakeLog) LogEndOffset() int64   { l.mu.Lock(); defer l.mu.Unlock(); return l.end }
func (l *fakeLog) SetHighWatermark(hw int64) {
	l.mu.Lock()
	l.hw = hw
	l.mu.Unlock()
}

func (l *fakeLog) OffsetForTimestamp(ts int64) (int64, int64, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.batches {
		if maxTS := int64(binary.BigEndian.Uint64(b[35:])); maxTS >= ts {
			return int64(binary.BigEndian.Uint64(b)), maxTS, true, nil
		}
	}
	return 0, 0, false, nil
}
func (l *fakeLog) Truncate(offset int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var keep [][]byte
	for _, b := range l.batches {
		if int64(binary.BigEndian.Uint64(b)) < offset {
			keep = append(keep, b)
		}
	}
	l.batches = keep
	l.end = offset
	return nil
}

func (l *fakeLog) DeleteRecordsBefore(offset int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.start = max(l.start, offset)
	return l.start, nil
}

func (l *fakeLog) TruncateFully(start int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches, l.start, l.end = nil, start, start
	return nil
}
func (l *fakeLog) AssignLeaderEpoch(epoch int32, start int64) error {
	l.mu.Lock()
	l.epochs = append(l.epochs, [2]int64{int64(epoch), start})
	l.mu.Unlock()
	return nil
}

// EndOffsetForEpoch follows LeaderEpochFileCache.endOffsetFor.
func (l *fakeLog) EndOffsetForEpoch(epoch int32) (int32, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.epochs) == 0 {
		return -1, -1
	}
	if last := l.epochs[len(l.epochs)-1]; int32(last[0]) == epoch {
		return epoch, l.end
	}
	for i, e := range l.epochs {
		if int32(e[0]) > epoch {
			if i == 0 {
				return epoch, e[1]
			}
			return int32(l.epochs[i-1][0]), e[1]
		}
	}
	return int32(l.epochs[len(l.epochs)-1][0]), l.end
}
func (l *fakeLog) LatestEpoch() (int32, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.epochs) == 0 {
		return 0, false
	}
	return int32(l.epochs[len(l.epochs)-1][0]), true
}

type fakeRecords []byte

func (r fakeRecords) Size() int32                         { return int32(len(r)) }
func (r fakeRecords) AppendTo(dst []byte) ([]byte, error) { return append(dst, r...), nil }
func (r fakeRecords) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r)
	return int64(n), err
}
func (r fakeRecords) Release() {}

// makeBatch builds a valid magic-2 batch of n records with values "v<i>",
// first timestamp ts.
func makeBatch(n int, ts int64) []byte {
	var recs []byte
	for i := 0; i < n; i++ {
		var body []byte
		body = append(body, 0)                   // attributes
		body = kbin.AppendVarlong(body, 0)       // timestamp delta
		body = kbin.AppendVarint(body, int32(i)) // offset delta
		body = kbin.AppendVarint(body, -1)       // null key
		val := []byte{'v', byte('0' + i%10)}
		body = kbin.AppendVarint(body, int32(len(val)))
		body = append(body, val...)
		body = kbin.AppendVarint(body, 0) // headers
		recs = kbin.AppendVarint(recs, int32(len(body)))
		recs = append(recs, body...)
	}
	b := kmsg.RecordBatch{
		Magic: 2, LastOffsetDelta: int32(n - 1), FirstTimestamp: ts, MaxTimestamp: ts,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: int32(n), Records: recs,
	}
	out := b.AppendTo(nil)
	binary.BigEndian.PutUint32(out[8:], uint32(len(out)-12))
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

// testLogger routes logs to t.Log.
func testLogger(t *testing.T) *logrus.Entry {
	t.Helper()
	l := logrus.New()
	l.SetOutput(testWriter{t})
	l.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(l)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

func sortedKeys[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

type logConfig = storage.LogConfig

func tpOf(topic string, p int32) storage.TopicPartition {
	return storage.TopicPartition{Topic: topic, Partition: p}
}

func (n *fakeNode) setController(v bool) {
	n.mu.Lock()
	n.controller = v
	n.mu.Unlock()
}

func (a *fakeAdmin) setTopic(topic string, as map[int32][]int32, cfg map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if as != nil {
		a.topics[topic] = as
	}
	if cfg != nil {
		a.configs[topic] = cfg
	}
}

func (a *fakeAdmin) setHooks(onCreate func(string, map[int32][]int32), onDelete func(string)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onCreate, a.onDelete = onCreate, onDelete
}

// state returns a copy of the fields tests check.
func (l *fakeLogs) state() (written, closed bool, cluster string, broker int32, deleted []storage.TopicPartition) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.written, l.closed, l.metaCluster, l.metaBroker, append([]storage.TopicPartition(nil), l.deleted...)
}
