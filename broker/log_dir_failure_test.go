package broker

import (
	"context"
	"net"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

// notifyingNode is a fakeNode that counts log dir event notifications.
type notifyingNode struct {
	*fakeNode
	notified chan struct{}
}

func (n notifyingNode) NotifyLogDirFailure(context.Context) error {
	n.notified <- struct{}{}
	return nil
}

// TestLogDirFailure: a write error in one of two log dirs takes its
// partitions out of service (KAFKA_STORAGE_ERROR to the produce that met it,
// to LeaderAndIsr after it, and to DescribeLogDirs for the dir), the
// controller is notified once, and the partitions of the other dir keep
// being served.
func TestLogDirFailure(t *testing.T) {
	fsys := storage.NewMemFS()
	var broken atomic.Bool
	fsys.SetFault(func(op storage.Op, name string, n int) (int, error) {
		if broken.Load() && filepath.Dir(filepath.Dir(name)) == "/b" && (op == storage.OpWrite || op == storage.OpOpen) {
			return 0, syscall.ENOSPC
		}
		return n, nil
	})
	m, err := storage.OpenManager(storage.ManagerConfig{
		Dirs: []string{"/a", "/b"}, Default: storage.DefaultLogConfig(), FS: fsys,
		RetentionCheckInterval: time.Hour, FlushOffsetCheckpointInterval: time.Hour, FlushStartOffsetCheckpointInterval: time.Hour,
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	node := notifyingNode{&fakeNode{clusterID: "cluster-A", epoch: 100, controller: true}, make(chan struct{}, 4)}
	h := &harness{t: t, node: node.fakeNode, admin: newFakeAdmin()}
	s, err := New(testConfig(), Deps{Node: node, Admin: h.admin, Logs: StorageLogs(m)}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	h.s = s
	addr := s.Addrs()[0].(*net.TCPAddr)
	h.addr, h.port = addr.String(), int32(addr.Port)
	c := h.dial()
	h.hostTopic(c, "t", 2)
	healthy, failing := storage.TopicPartition{Topic: "t", Partition: 0}, storage.TopicPartition{Topic: "t", Partition: 1}
	if l, ok := m.Get(failing); !ok || filepath.Dir(l.Dir()) != "/b" {
		t.Fatalf("%s is not in /b", failing)
	}
	for _, tp := range []storage.TopicPartition{healthy, failing} {
		if code := produceCode(t, c, tp.Topic, tp.Partition, 1, makeBatch(2, 1000)); code != 0 {
			t.Fatalf("produce to %s before the failure: %d", tp, code)
		}
	}

	broken.Store(true)
	if code := produceCode(t, c, failing.Topic, failing.Partition, 1, makeBatch(2, 1000)); code != kerr.KafkaStorageError.Code {
		t.Fatalf("produce meeting the write error: code %d", code)
	}
	select {
	case <-node.notified:
	case <-time.After(30 * time.Second):
		t.Fatal("the controller was never notified")
	}
	// The handler has stopped the replica; clients are still told the
	// partition's storage failed (HostedPartition.Offline), not that this
	// broker is no leader, and the other dir keeps serving.
	if code := produceCode(t, c, failing.Topic, failing.Partition, 1, makeBatch(2, 1000)); code != kerr.KafkaStorageError.Code {
		t.Fatalf("produce to the offline partition: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	if rp := fetch(t, c, fetchRequest(failing.Topic, failing.Partition, 0, -1, 0, 1)); rp.ErrorCode != kerr.KafkaStorageError.Code {
		t.Fatalf("fetch from the offline partition: code %d, want KAFKA_STORAGE_ERROR", rp.ErrorCode)
	}
	if code := produceCode(t, c, healthy.Topic, healthy.Partition, 1, makeBatch(2, 1000)); code != 0 {
		t.Fatalf("produce to %s after the failure: %d", healthy, code)
	}

	// The controller asks about every replica of this broker.
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, 100
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic = "t"
	for _, p := range []int32{0, 1} {
		st := kmsg.NewLeaderAndISRRequestTopicPartition()
		st.Partition, st.ControllerEpoch, st.LeaderEpoch, st.Leader = p, 1, 1, 1
		st.Replicas, st.ISR = []int32{1}, []int32{1}
		ts.PartitionStates = append(ts.PartitionStates, st)
	}
	// A partition this broker never hosted, not new: its log may be in /b.
	ts2 := kmsg.NewLeaderAndISRRequestTopicState()
	ts2.Topic = "old"
	st := kmsg.NewLeaderAndISRRequestTopicPartition()
	st.ControllerEpoch, st.LeaderEpoch, st.Leader, st.Replicas, st.ISR = 1, 1, 1, []int32{1}, []int32{1}
	ts2.PartitionStates = append(ts2.PartitionStates, st)
	// A new partition goes to the healthy dir.
	ts3 := kmsg.NewLeaderAndISRRequestTopicState()
	ts3.Topic = "new"
	st.IsNew = true
	ts3.PartitionStates = append(ts3.PartitionStates, st)
	req.TopicStates = append(req.TopicStates, ts, ts2, ts3)
	resp := c.do(req, 4).(*kmsg.LeaderAndISRResponse)
	want := map[storage.TopicPartition]int16{
		healthy: 0, failing: kerr.KafkaStorageError.Code,
		{Topic: "old", Partition: 0}: kerr.KafkaStorageError.Code,
		{Topic: "new", Partition: 0}: 0,
	}
	got := map[storage.TopicPartition]int16{}
	for _, p := range resp.Partitions {
		got[storage.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.ErrorCode
	}
	for tp, code := range want {
		if got[tp] != code {
			t.Errorf("LeaderAndIsr %s: code %d, want %d", tp, got[tp], code)
		}
	}
	if l, ok := m.Get(storage.TopicPartition{Topic: "new", Partition: 0}); !ok || filepath.Dir(l.Dir()) != "/a" {
		t.Error("the new partition was not created in the healthy dir")
	}

	// The healthy dir serves on; the failed one is reported.
	if code := produceCode(t, c, healthy.Topic, healthy.Partition, 1, makeBatch(2, 1000)); code != 0 {
		t.Fatalf("produce to the healthy dir: code %d", code)
	}
	if code := produceCode(t, c, failing.Topic, failing.Partition, 1, makeBatch(2, 1000)); code == 0 {
		t.Fatal("produce to the failed dir succeeded")
	}
	dl := c.do(kmsg.NewPtrDescribeLogDirsRequest(), 1).(*kmsg.DescribeLogDirsResponse)
	codes := map[string]int16{}
	for _, d := range dl.Dirs {
		codes[d.Dir] = d.ErrorCode
	}
	if codes["/a"] != 0 || codes["/b"] != kerr.KafkaStorageError.Code {
		t.Errorf("DescribeLogDirs: %v", codes)
	}
	select {
	case <-node.notified:
		t.Error("the controller was notified twice for one dir")
	default:
	}
}
