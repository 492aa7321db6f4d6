package broker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/storage"
)

func TestStartChecksMetaProperties(t *testing.T) {
	tests := []struct {
		name        string
		metaCluster string
		metaBroker  int32
		found       bool
		wantErr     []string // substrings; nil = starts
	}{
		{name: "empty dir", found: false},
		{name: "same cluster and broker", metaCluster: "cluster-A", metaBroker: 1, found: true},
		{name: "other cluster", metaCluster: "cluster-B", metaBroker: 1, found: true,
			wantErr: []string{"data", "cluster-A", "cluster-B", "point log.dirs at an empty directory", "delete meta.properties only if you mean to discard its data"}},
		{name: "other broker id", metaCluster: "cluster-A", metaBroker: 7, found: true,
			wantErr: []string{"broker.id 1", "broker.id 7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := &fakeNode{clusterID: "cluster-A", epoch: 5}
			logs := newFakeLogs()
			logs.metaCluster, logs.metaBroker, logs.metaFound = tt.metaCluster, tt.metaBroker, tt.found
			s, err := New(testConfig(), Deps{Node: node, Admin: newFakeAdmin(), Logs: logs}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = s.Start(ctx)
			defer s.Close(ctx)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				select {
				case <-s.Ready():
				default:
					t.Fatal("Ready not closed after Start")
				}
				if written, _, cluster, broker, _ := logs.state(); !written || cluster != "cluster-A" || broker != 1 {
					t.Fatalf("meta.properties not written: %v %s %d", written, cluster, broker)
				}
				if got := node.callList(); !slices.Equal(got, []string{"prepare", "register"}) {
					t.Fatalf("node calls %v", got)
				}
				return
			}
			if err == nil {
				t.Fatal("Start succeeded")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if slices.Contains(node.callList(), "register") {
				t.Fatal("registered despite a bad meta.properties")
			}
		})
	}
}

func TestStartFailsOnNodeErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		node *fakeNode
	}{
		{"prepare", &fakeNode{prepareErr: errors.New("zk down")}},
		{"register", &fakeNode{clusterID: "c", registerErr: errors.New("id in use")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(testConfig(), Deps{Node: tt.node, Admin: newFakeAdmin(), Logs: newFakeLogs()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.Start(ctx); err == nil {
				t.Fatal("Start succeeded")
			}
			if err := s.Close(ctx); err != nil {
				t.Fatalf("Close after failed Start: %v", err)
			}
		})
	}
}

func TestCloseOrder(t *testing.T) {
	for _, tt := range []struct {
		name        string
		enable      bool
		shutdownErr error
		want        []string
	}{
		{"controlled", true, nil, []string{"prepare", "register", "controlled-shutdown", "close"}},
		{"controlled retried", true, errors.New("no controller"), []string{"prepare", "register", "controlled-shutdown", "controlled-shutdown", "controlled-shutdown", "close"}},
		{"disabled", false, nil, []string{"prepare", "register", "close"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			node := &fakeNode{clusterID: "c", epoch: 1, shutdownErr: tt.shutdownErr}
			logs := newFakeLogs()
			cfg := testConfig()
			cfg.ControlledShutdown.Enable = tt.enable
			s, err := New(cfg, Deps{Node: node, Admin: newFakeAdmin(), Logs: logs}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if got := node.callList(); !slices.Equal(got, tt.want) {
				t.Fatalf("node calls %v, want %v", got, tt.want)
			}
			if _, closed, _, _, _ := logs.state(); !closed {
				t.Fatal("logs not closed")
			}
			if s.goAttach(func() {}) {
				t.Fatal("goAttach accepted work after Close")
			}
		})
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	if _, err := New(testConfig(), Deps{}, nil); err == nil {
		t.Fatal("New accepted empty Deps")
	}
	cfg := testConfig()
	cfg.Listeners = nil
	if _, err := New(cfg, Deps{Node: &fakeNode{}, Admin: newFakeAdmin(), Logs: newFakeLogs()}, nil); err == nil {
		t.Fatal("New accepted a config without listeners")
	}
}

func TestHighWatermarksCheckpointedAtClose(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	produce(t, c, "t", 0, 1, makeBatch(3, 1000))
	ctx := context.Background()
	if err := h.s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.logs.HighWatermarks()[storage.TopicPartition{Topic: "t", Partition: 0}]; got != 3 {
		t.Fatalf("checkpointed high watermark %d, want 3", got)
	}
}
