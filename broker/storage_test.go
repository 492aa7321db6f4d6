package broker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

// TestWithRealStorage runs produce, fetch (written with sendfile from the
// segment files) and ListOffsets against storage.Manager through
// StorageLogs, then restarts on the same dir.
func TestWithRealStorage(t *testing.T) {
	dir := t.TempDir()
	open := func() *storage.Manager { return openTestManager(t, dir) }
	m := open()
	h, stop := startReal(t, m)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	var batches int
	for i := 0; i < 50; i++ {
		if rp := produce(t, c, "t", 0, 1, makeBatch(4, int64(1000+i))); rp.ErrorCode != 0 || rp.BaseOffset != int64(4*i) {
			t.Fatalf("produce %d: %+v", i, rp)
		}
		batches++
	}
	fp := fetch(t, c, fetchRequest("t", 0, 0, -1, 0, 1))
	if fp.ErrorCode != 0 || fp.HighWatermark != 200 || len(batchOffsets(fp.RecordBatches)) != batches {
		t.Fatalf("fetch: code %d hw %d, %d batches", fp.ErrorCode, fp.HighWatermark, len(batchOffsets(fp.RecordBatches)))
	}
	for i, off := range batchOffsets(fp.RecordBatches) {
		if off != int64(4*i) {
			t.Fatalf("batch %d at offset %d", i, off)
		}
	}
	if fp := fetch(t, c, fetchRequest("t", 0, 201, -1, 0, 1)); fp.ErrorCode == 0 {
		t.Fatal("fetch past the log end succeeded")
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = 1010
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	if got := c.do(req, 5).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]; got.ErrorCode != 0 || got.Offset != 40 {
		t.Fatalf("ListOffsets by time: %+v", got)
	}
	stop()

	// Restart: the high watermark checkpoint and the log survive.
	m = open()
	h, stop = startReal(t, m)
	defer stop()
	c = h.dial()
	h.hostTopic(c, "t", 1)
	fp = fetch(t, c, fetchRequest("t", 0, 196, -1, 0, 1))
	if fp.ErrorCode != 0 || fp.HighWatermark != 200 || len(batchOffsets(fp.RecordBatches)) != 1 {
		t.Fatalf("after restart: code %d hw %d batches %v", fp.ErrorCode, fp.HighWatermark, batchOffsets(fp.RecordBatches))
	}

	// DeleteRecords raises the log start offset.
	dr := kmsg.NewPtrDeleteRecordsRequest()
	drt := kmsg.NewDeleteRecordsRequestTopic()
	drt.Topic = "t"
	drp := kmsg.NewDeleteRecordsRequestTopicPartition()
	drp.Offset = 100
	drt.Partitions = append(drt.Partitions, drp)
	dr.Topics = append(dr.Topics, drt)
	if got := c.do(dr, 1).(*kmsg.DeleteRecordsResponse).Topics[0].Partitions[0]; got.ErrorCode != 0 || got.LowWatermark != 100 {
		t.Fatalf("DeleteRecords: %+v", got)
	}
	if fp := fetch(t, c, fetchRequest("t", 0, 0, -1, 0, 1)); fp.ErrorCode == 0 || fp.LogStartOffset != 100 {
		t.Fatalf("fetch below the log start after DeleteRecords: %+v", fp)
	}
}

// startReal starts a broker on m with fake ZooKeeper deps.
func startReal(t *testing.T, m *storage.Manager) (*harness, func()) {
	t.Helper()
	return startRealConfig(t, m, nil)
}

// startRealConfig is startReal with a config change, whose fake admin acts
// as the controller for new topics: LeaderAndIsr, then UpdateMetadata.
func startRealConfig(t *testing.T, m *storage.Manager, mod func(*Config)) (*harness, func()) {
	t.Helper()
	return startRealWith(t, m, mod, nil)
}

// startRealWith is startRealConfig with a replica fetcher transport.
func startRealWith(t *testing.T, m *storage.Manager, mod func(*Config), tr Transport) (*harness, func()) {
	t.Helper()
	cfg := testConfig()
	cfg.OffsetsTopic.ReplicationFactor, cfg.OffsetsTopic.NumPartitions = 1, 3
	cfg.Group.InitialRebalanceDelay = 0
	if mod != nil {
		mod(&cfg)
	}
	h := &harness{t: t, node: &fakeNode{clusterID: "cluster-A", epoch: 100, controller: true}, admin: newFakeAdmin()}
	s, err := New(cfg, Deps{Node: h.node, Admin: h.admin, Logs: StorageLogs(m), Transport: tr}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	h.s = s
	addr := s.Addrs()[0].(*net.TCPAddr)
	h.addr, h.port = addr.String(), int32(addr.Port)
	h.admin.setHooks(func(topic string, as map[int32][]int32) {
		h.s.goAttach(func() {
			ctl := h.dial()
			h.leaderAndISR(ctl, topic, as, 0)
			h.updateMetadata(ctl, map[string]map[int32][]int32{topic: as}, 0)
		})
	}, nil)
	return h, func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// openTestManager opens a storage.Manager on dir.
func openTestManager(t *testing.T, dir string) *storage.Manager {
	t.Helper()
	m, err := storage.OpenManager(storage.ManagerConfig{
		Dirs:                               []string{dir},
		Default:                            storage.DefaultLogConfig(),
		RetentionCheckInterval:             time.Hour,
		FlushCheckInterval:                 time.Hour,
		FlushOffsetCheckpointInterval:      time.Hour,
		FlushStartOffsetCheckpointInterval: time.Hour,
	}, testLogger(t))
	if err != nil {
		t.Fatalf("OpenManager: %v", err)
	}
	return m
}
