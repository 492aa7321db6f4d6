package controller

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func liveSet(ids ...int32) func(int32) bool {
	m := map[int32]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return func(id int32) bool { return m[id] }
}

func TestInitialLeaderAndISR(t *testing.T) {
	tests := []struct {
		name       string
		assignment []int32
		live       []int32
		leader     int32
		isr        []int32
		ok         bool
	}{
		{"all live", []int32{2, 1, 3}, []int32{1, 2, 3}, 2, []int32{2, 1, 3}, true},
		{"first dead", []int32{2, 1, 3}, []int32{1, 3}, 1, []int32{1, 3}, true},
		{"none live", []int32{2}, []int32{1}, NoLeader, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, isr, ok := InitialLeaderAndISR(tt.assignment, liveSet(tt.live...))
			if l != tt.leader || !reflect.DeepEqual(isr, tt.isr) || ok != tt.ok {
				t.Errorf("got %d %v %v", l, isr, ok)
			}
		})
	}
}

func TestElectOffline(t *testing.T) {
	tests := []struct {
		name            string
		assignment, isr []int32
		live            []int32
		unclean         bool
		leader          int32
		newISR          []int32
		ok              bool
	}{
		{"first live in isr", []int32{1, 2, 3}, []int32{1, 3}, []int32{2, 3}, false, 3, []int32{3}, true},
		{"assignment order wins over isr order", []int32{3, 2}, []int32{2, 3}, []int32{2, 3}, false, 3, []int32{2, 3}, true},
		{"clean impossible", []int32{1, 2}, []int32{1}, []int32{2}, false, NoLeader, nil, false},
		{"unclean", []int32{1, 2}, []int32{1}, []int32{2}, true, 2, []int32{2}, true},
		{"nothing live", []int32{1, 2}, []int32{1}, nil, true, NoLeader, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, isr, ok := ElectOffline(tt.assignment, tt.isr, liveSet(tt.live...), tt.unclean)
			if l != tt.leader || !reflect.DeepEqual(isr, tt.newISR) || ok != tt.ok {
				t.Errorf("got %d %v %v", l, isr, ok)
			}
		})
	}
}

func TestElectControlledShutdownAndPreferred(t *testing.T) {
	l, isr, ok := ElectControlledShutdown([]int32{1, 2, 3}, []int32{1, 2, 3}, liveSet(1, 2, 3), liveSet(1))
	if l != 2 || !reflect.DeepEqual(isr, []int32{2, 3}) || !ok {
		t.Errorf("controlled shutdown: %d %v %v", l, isr, ok)
	}
	if _, _, ok := ElectControlledShutdown([]int32{1, 2}, []int32{1}, liveSet(1, 2), liveSet(1)); ok {
		t.Error("controlled shutdown elected a replica outside the ISR")
	}
	if l, ok := ElectPreferred([]int32{2, 1}, []int32{1, 2}, liveSet(1, 2)); l != 2 || !ok {
		t.Errorf("preferred: %d %v", l, ok)
	}
	if _, ok := ElectPreferred([]int32{2, 1}, []int32{1}, liveSet(1, 2)); ok {
		t.Error("preferred elected a replica outside the ISR")
	}
}

func TestRemoveFromISR(t *testing.T) {
	tests := []struct {
		name    string
		in      PartitionState
		replica int32
		want    PartitionState
		changed bool
	}{
		{"follower", PartitionState{Leader: 1, LeaderEpoch: 4, ControllerEpoch: 1, ISR: []int32{1, 2}, ZkVersion: 3}, 2,
			PartitionState{Leader: 1, LeaderEpoch: 5, ControllerEpoch: 7, ISR: []int32{1}, ZkVersion: 3}, true},
		{"leader", PartitionState{Leader: 1, LeaderEpoch: 4, ISR: []int32{1, 2}}, 1,
			PartitionState{Leader: NoLeader, LeaderEpoch: 5, ControllerEpoch: 7, ISR: []int32{2}}, true},
		{"last isr member kept", PartitionState{Leader: 1, LeaderEpoch: 4, ISR: []int32{1}}, 1,
			PartitionState{Leader: NoLeader, LeaderEpoch: 5, ControllerEpoch: 7, ISR: []int32{1}}, true},
		{"not in isr", PartitionState{Leader: 1, ISR: []int32{1}}, 3, PartitionState{Leader: 1, ISR: []int32{1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := RemoveFromISR(tt.in, tt.replica, 7)
			if changed != tt.changed || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v %v", got, changed)
			}
		})
	}
}

func TestDiffBrokers(t *testing.T) {
	added, dead, bounced := DiffBrokers(map[int32]int64{1: 10, 2: 20, 3: 30}, map[int32]int64{1: 10, 2: 25, 4: 40})
	if !reflect.DeepEqual(added, []int32{4}) || !reflect.DeepEqual(dead, []int32{3}) || !reflect.DeepEqual(bounced, []int32{2}) {
		t.Errorf("got added %v dead %v bounced %v", added, dead, bounced)
	}
}

func TestBatchBuild(t *testing.T) {
	tp := TopicPartition{"t", 0}
	state := PartitionState{Leader: 1, LeaderEpoch: 0, ControllerEpoch: 3, ISR: []int32{1, 2}, ZkVersion: 0}
	c := Cluster{
		ControllerID: 1, ControllerEpoch: 3, Listener: "PLAINTEXT",
		Brokers: map[int32]Broker{
			1: {ID: 1, Epoch: 100, Endpoints: []Endpoint{{"PLAINTEXT", "h1", 9092, "PLAINTEXT"}}},
			2: {ID: 2, Epoch: 200, Endpoints: []Endpoint{{"PLAINTEXT", "h2", 9092, "PLAINTEXT"}}},
		},
		Partition: func(p TopicPartition) (PartitionState, []int32, bool, bool) {
			return state, []int32{1, 2, 3}, false, p == tp
		},
	}
	b := NewBatch()
	b.AddLeaderAndISR([]int32{1, 2, 3}, tp, state, []int32{1, 2, 3}, true, []int32{1, 2})
	b.AddStopReplica(2, TopicPartition{"u", 1}, true)
	out := b.Build(c)
	if !b.Empty() {
		t.Error("batch not reset")
	}
	var kinds []string
	for _, o := range out {
		kinds = append(kinds, kmsg.NameForKey(o.Request.Key())+"@"+string(rune('0'+o.Broker)))
	}
	want := []string{"LeaderAndISR@1", "LeaderAndISR@2", "UpdateMetadata@1", "UpdateMetadata@2", "StopReplica@2"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("requests %v, want %v", kinds, want)
	}
	lai := out[1].Request.(*kmsg.LeaderAndISRRequest)
	if lai.Version != 4 || lai.BrokerEpoch != 200 || lai.ControllerEpoch != 3 || lai.ControllerID != 1 {
		t.Errorf("LeaderAndIsr header %+v", lai)
	}
	p := lai.TopicStates[0].PartitionStates[0]
	if !p.IsNew || p.Leader != 1 || !reflect.DeepEqual(p.Replicas, []int32{1, 2, 3}) || len(lai.LiveLeaders) != 1 || lai.LiveLeaders[0].Host != "h1" {
		t.Errorf("LeaderAndIsr body %+v live leaders %+v", p, lai.LiveLeaders)
	}
	um := out[2].Request.(*kmsg.UpdateMetadataRequest)
	if um.Version != 6 || um.BrokerEpoch != 100 || len(um.LiveBrokers) != 2 || um.LiveBrokers[1].Endpoints[0].Host != "h2" {
		t.Errorf("UpdateMetadata %+v", um)
	}
	if ps := um.TopicStates[0].PartitionStates[0]; !reflect.DeepEqual(ps.OfflineReplicas, []int32{3}) {
		t.Errorf("offline replicas %v", ps.OfflineReplicas)
	}
	c.ShuttingDown = map[int32]bool{2: true}
	b.AddUpdateMetadata([]int32{1}, tp)
	um = b.Build(c)[0].Request.(*kmsg.UpdateMetadataRequest)
	if ps := um.TopicStates[0].PartitionStates[0]; !reflect.DeepEqual(ps.OfflineReplicas, []int32{2, 3}) {
		t.Errorf("offline replicas with broker 2 shutting down %v", ps.OfflineReplicas)
	}
	sr := out[4].Request.(*kmsg.StopReplicaRequest)
	if sr.Version != 2 || !sr.DeletePartitions || sr.Topics[0].Topic != "u" || sr.Topics[0].Partitions[0] != 1 {
		t.Errorf("StopReplica %+v", sr)
	}
	// Encodes at the chosen versions.
	for _, o := range out {
		if len(o.Request.AppendTo(nil)) == 0 {
			t.Errorf("empty encoding of %T", o.Request)
		}
	}
}

func TestBatchDeletingTopicLeader(t *testing.T) {
	tp := TopicPartition{"t", 0}
	c := Cluster{Brokers: map[int32]Broker{1: {ID: 1}}, Partition: func(TopicPartition) (PartitionState, []int32, bool, bool) {
		return PartitionState{Leader: 1, ISR: []int32{1}}, []int32{1}, true, true
	}}
	b := NewBatch()
	b.AddUpdateMetadata([]int32{1}, tp)
	out := b.Build(c)
	um := out[0].Request.(*kmsg.UpdateMetadataRequest)
	if um.TopicStates[0].PartitionStates[0].Leader != LeaderDuringDelete {
		t.Errorf("leader %d, want -2", um.TopicStates[0].PartitionStates[0].Leader)
	}
}
