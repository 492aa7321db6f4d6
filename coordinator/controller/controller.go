package controller

import (
	"sort"
	"strconv"
	"strings"
)

// Leader values with a special meaning in state znodes and requests.
const (
	// NoLeader: the partition has no live leader (offline).
	NoLeader int32 = -1
	// LeaderDuringDelete is sent in UpdateMetadata for partitions of topics
	// being deleted: brokers drop them from their metadata cache.
	LeaderDuringDelete int32 = -2
)

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string {
	return tp.Topic + "-" + strconv.Itoa(int(tp.Partition))
}

// PartitionState is the content of a partition's state znode plus the
// znode's data version (ZkVersion), which conditional updates compare.
type PartitionState struct {
	Leader, LeaderEpoch, ControllerEpoch int32
	ISR                                  []int32
	ZkVersion                            int32
}

// Endpoint is one advertised listener of a broker.
type Endpoint struct {
	Listener, Host   string
	Port             int32
	SecurityProtocol string // PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
}

// String renders the endpoint as Kafka registers it: LISTENER://host:port,
// with IPv6 hosts in brackets.
func (e Endpoint) String() string {
	host := e.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return e.Listener + "://" + host + ":" + strconv.Itoa(int(e.Port))
}

// Broker is what the controller knows of a live broker.
type Broker struct {
	ID        int32
	Epoch     int64 // czxid of its registration
	Endpoints []Endpoint
	Rack      *string
}

func contains(xs []int32, x int32) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// InitialLeaderAndISR is the election for a new partition
// (PartitionStateMachine.initializeLeaderAndIsrForPartitions): the leader is
// the first live replica in assignment order, the ISR all live replicas in
// assignment order. ok is false when no replica is live.
func InitialLeaderAndISR(assignment []int32, live func(int32) bool) (leader int32, isr []int32, ok bool) {
	for _, r := range assignment {
		if live(r) {
			isr = append(isr, r)
		}
	}
	if len(isr) == 0 {
		return NoLeader, nil, false
	}
	return isr[0], isr, true
}

// ElectOffline is OfflinePartitionLeaderElectionStrategy: the first replica
// in assignment order that is live and in the ISR; failing that, when
// unclean election is allowed, the first live replica. The new ISR is the
// old ISR's live members if the leader came from it, else just the leader.
func ElectOffline(assignment, isr []int32, live func(int32) bool, unclean bool) (leader int32, newISR []int32, ok bool) {
	leader = NoLeader
	for _, r := range assignment {
		if live(r) && contains(isr, r) {
			leader = r
			break
		}
	}
	if leader == NoLeader && unclean {
		for _, r := range assignment {
			if live(r) {
				leader = r
				break
			}
		}
		if leader != NoLeader {
			return leader, []int32{leader}, true
		}
	}
	if leader == NoLeader {
		return NoLeader, nil, false
	}
	for _, r := range isr {
		if live(r) {
			newISR = append(newISR, r)
		}
	}
	return leader, newISR, true
}

// ElectControlledShutdown is ControlledShutdownPartitionLeaderElection: the
// first replica in assignment order that is live, in the ISR and not
// shutting down; the new ISR drops the shutting-down brokers.
func ElectControlledShutdown(assignment, isr []int32, live, shuttingDown func(int32) bool) (leader int32, newISR []int32, ok bool) {
	leader = NoLeader
	for _, r := range assignment {
		if live(r) && contains(isr, r) && !shuttingDown(r) {
			leader = r
			break
		}
	}
	if leader == NoLeader {
		return NoLeader, nil, false
	}
	for _, r := range isr {
		if !shuttingDown(r) {
			newISR = append(newISR, r)
		}
	}
	return leader, newISR, true
}

// ElectPreferred is PreferredReplicaPartitionLeaderElection: the first
// replica of the assignment if it is live and in the ISR. The ISR is kept.
func ElectPreferred(assignment, isr []int32, live func(int32) bool) (leader int32, ok bool) {
	if len(assignment) == 0 || !live(assignment[0]) || !contains(isr, assignment[0]) {
		return NoLeader, false
	}
	return assignment[0], true
}

// RemoveFromISR is the controller's ISR shrink when a replica goes offline
// (ReplicaStateMachine.removeReplicasFromIsr): the replica leaves the ISR
// unless it is the only member; if it led, the partition loses its leader;
// the leader epoch is bumped. changed is false when the replica was not in
// the ISR (nothing to write).
func RemoveFromISR(s PartitionState, replica, controllerEpoch int32) (next PartitionState, changed bool) {
	if !contains(s.ISR, replica) {
		return s, false
	}
	next = s
	if s.Leader == replica {
		next.Leader = NoLeader
	}
	if len(s.ISR) > 1 {
		next.ISR = nil
		for _, r := range s.ISR {
			if r != replica {
				next.ISR = append(next.ISR, r)
			}
		}
	} else {
		next.ISR = append([]int32(nil), s.ISR...)
	}
	next.LeaderEpoch = s.LeaderEpoch + 1
	next.ControllerEpoch = controllerEpoch
	return next, true
}

// DiffBrokers compares the registered brokers (id -> epoch) with the ones
// the controller knew: added are new ids, dead are gone ids, bounced are ids
// that re-registered with a larger epoch (a restart the controller missed:
// handled as dead, then new). Each list is sorted.
func DiffBrokers(known, current map[int32]int64) (added, dead, bounced []int32) {
	for id, e := range current {
		old, ok := known[id]
		switch {
		case !ok:
			added = append(added, id)
		case e > old:
			bounced = append(bounced, id)
		}
	}
	for id := range known {
		if _, ok := current[id]; !ok {
			dead = append(dead, id)
		}
	}
	for _, l := range [][]int32{added, dead, bounced} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	return added, dead, bounced
}
