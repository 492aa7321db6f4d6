package broker

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

// fakeElection answers like the controller would for topic "t" whose
// partitions are all led by broker 1: partition 0 elects broker 1, 1 needs
// no election, 2 has its preferred replica down, 3 elects broker 2 (which
// the metadata never shows).
func fakeElection(typ coordinator.ElectionType, tps []coordinator.TopicPartition) ([]coordinator.ElectionResult, error) {
	if typ > coordinator.ElectionUnclean {
		return nil, coordinator.ErrInvalidElectionType
	}
	if tps == nil {
		for p := int32(0); p < 3; p++ {
			tps = append(tps, coordinator.TopicPartition{Topic: "t", Partition: p})
		}
	}
	var out []coordinator.ElectionResult
	for _, tp := range tps {
		r := coordinator.ElectionResult{Partition: tp, Leader: 1}
		switch {
		case tp.Topic != "t":
			r.Err = fmt.Errorf("%w", coordinator.ErrTopicNotFound)
		case tp.Partition == 1:
			r.Err = fmt.Errorf("%w", coordinator.ErrElectionNotNeeded)
		case tp.Partition == 2:
			r.Err = fmt.Errorf("Failed to elect leader for partition t-2 under strategy PreferredReplicaPartitionLeaderElectionStrategy: %w", coordinator.ErrPreferredLeaderNotAvailable)
		case tp.Partition == 3:
			r.Leader = 2
		}
		out = append(out, r)
	}
	return out, nil
}

func TestElectLeaders(t *testing.T) {
	type part struct {
		code int16
		msg  string
	}
	notNeeded := fmt.Errorf("%w", coordinator.ErrElectionNotNeeded).Error()
	failed := "Failed to elect leader for partition t-2 under strategy PreferredReplicaPartitionLeaderElectionStrategy: " + coordinator.ErrPreferredLeaderNotAvailable.Error()
	listed := map[string][]int32{"t": {0, 1, 2}, "x": {0}}
	tests := []struct {
		name       string
		controller bool
		version    int16
		typ        int8
		topics     map[string][]int32 // nil: all partitions
		timeout    int32
		top        int16
		want       map[string]map[int32]part
	}{
		{"not controller", false, 1, 0, listed, 1000, 0, map[string]map[int32]part{
			"t": {0: {kerr.NotController.Code, ""}, 1: {kerr.NotController.Code, ""}, 2: {kerr.NotController.Code, ""}},
			"x": {0: {kerr.NotController.Code, ""}},
		}},
		{"not controller, all partitions", false, 2, 0, nil, 1000, 0, map[string]map[int32]part{
			"t": {0: {kerr.NotController.Code, ""}, 1: {kerr.NotController.Code, ""}, 2: {kerr.NotController.Code, ""}},
		}},
		{"listed", true, 1, 0, listed, 30000, 0, map[string]map[int32]part{
			"t": {0: {0, ""}, 1: {kerr.ElectionNotNeeded.Code, notNeeded}, 2: {kerr.PreferredLeaderNotAvailable.Code, failed}},
			"x": {0: {kerr.UnknownTopicOrPartition.Code, coordinator.ErrTopicNotFound.Error()}},
		}},
		{"v0 keeps election not needed", true, 0, 1, map[string][]int32{"t": {1}}, 30000, 0, map[string]map[int32]part{
			"t": {1: {kerr.ElectionNotNeeded.Code, notNeeded}},
		}},
		{"all partitions leave out those not needing an election", true, 2, 0, nil, 30000, 0, map[string]map[int32]part{
			"t": {0: {0, ""}, 2: {kerr.PreferredLeaderNotAvailable.Code, failed}},
		}},
		{"leader never shown", true, 1, 0, map[string][]int32{"t": {3}}, 50, 0, map[string]map[int32]part{
			"t": {3: {kerr.RequestTimedOut.Code, ""}},
		}},
		{"zero timeout still runs the election", true, 1, 0, map[string][]int32{"t": {1, 2}}, 0, 0, map[string]map[int32]part{
			"t": {1: {kerr.ElectionNotNeeded.Code, notNeeded}, 2: {kerr.PreferredLeaderNotAvailable.Code, failed}},
		}},
		{"invalid election type", true, 1, 5, map[string][]int32{"t": {0}}, 1000, kerr.UnknownServerError.Code, map[string]map[int32]part{
			"t": {0: {kerr.UnknownServerError.Code, "Value 5 must be one of [PREFERRED, UNCLEAN]"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.node.setController(tt.controller)
			var typMu sync.Mutex
			var gotType []coordinator.ElectionType
			h.node.mu.Lock()
			h.node.elect = func(typ coordinator.ElectionType, tps []coordinator.TopicPartition) ([]coordinator.ElectionResult, error) {
				typMu.Lock()
				gotType = append(gotType, typ)
				typMu.Unlock()
				return fakeElection(typ, tps)
			}
			h.node.mu.Unlock()
			c := h.dial()
			h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}, 1: {1}, 2: {1}}}, 0)
			req := kmsg.NewPtrElectLeadersRequest()
			req.ElectionType, req.TimeoutMillis = tt.typ, tt.timeout
			if tt.topics != nil {
				req.Topics = []kmsg.ElectLeadersRequestTopic{}
				for _, name := range []string{"t", "x"} {
					if ps, ok := tt.topics[name]; ok {
						rt := kmsg.NewElectLeadersRequestTopic()
						rt.Topic, rt.Partitions = name, ps
						req.Topics = append(req.Topics, rt)
					}
				}
			}
			resp := c.do(req, tt.version).(*kmsg.ElectLeadersResponse)
			if resp.ErrorCode != tt.top {
				t.Errorf("top-level code %d, want %d", resp.ErrorCode, tt.top)
			}
			got := map[string]map[int32]part{}
			for _, rt := range resp.Topics {
				got[rt.Topic] = map[int32]part{}
				for _, rp := range rt.Partitions {
					p := part{code: rp.ErrorCode}
					if rp.ErrorMessage != nil {
						p.msg = *rp.ErrorMessage
					}
					got[rt.Topic][rp.Partition] = p
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
			typMu.Lock()
			defer typMu.Unlock()
			if tt.controller && tt.version == 0 && (len(gotType) != 1 || gotType[0] != coordinator.ElectionPreferred) {
				t.Errorf("v0 ran elections %v, want one preferred", gotType)
			}
		})
	}
}
