package group

import "bytes"

// newMemberJoinTimeoutMs is GroupCoordinator.NewMemberJoinTimeoutMs: a member added by
// JoinGroup is dropped if its join does not complete within 5 minutes, because its socket
// is muted while parked and a client that gave up would otherwise linger forever.
const newMemberJoinTimeoutMs = 5 * 60 * 1000

// protocol is one entry of a member's supported protocols, in preference order.
type protocol struct {
	name     string
	metadata []byte
}

// parked is a request waiting for the group to move on.
type parked struct {
	w       Waiter
	version int16
}

// member is MemberMetadata.
type member struct {
	id               string
	instanceID       *string
	clientID         string
	clientHost       string
	rebalanceTimeout int32 // ms
	sessionTimeout   int32 // ms
	protocolType     string
	protocols        []protocol
	assignment       []byte

	join *parked // awaitingJoinCallback
	sync *parked // awaitingSyncCallback

	latestHeartbeat int64
	isLeaving       bool
	isNew           bool

	// The heartbeat timer. Kafka schedules a new DelayedHeartbeat on every heartbeat; here
	// only the latest deadline counts and one timer is armed at a time: a timer that fires
	// before hbDeadline re-arms itself (see Shard.heartbeatFired).
	hbDeadline int64
	hbTimeout  int64
	hbSeq      uint64
	hbArmedAt  int64
	hbArmed    bool
}

func (m *member) isStatic() bool       { return m.instanceID != nil }
func (m *member) isAwaitingJoin() bool { return m.join != nil }
func (m *member) isAwaitingSync() bool { return m.sync != nil }

// metadata returns the member's metadata for protocol p (nil if unsupported).
func (m *member) metadata(p string) []byte {
	for _, pr := range m.protocols {
		if pr.name == p {
			return pr.metadata
		}
	}
	return nil
}

// matches reports whether ps equals the member's protocols, in order and byte for byte.
func (m *member) matches(ps []protocol) bool {
	if len(ps) != len(m.protocols) {
		return false
	}
	for i := range ps {
		if ps[i].name != m.protocols[i].name || !bytes.Equal(ps[i].metadata, m.protocols[i].metadata) {
			return false
		}
	}
	return true
}

// vote returns the member's most preferred protocol among candidates.
func (m *member) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.name] {
			return p.name
		}
	}
	return ""
}

// shouldKeepAlive is MemberMetadata.shouldKeepAlive.
func (m *member) shouldKeepAlive(deadline int64) bool {
	switch {
	case m.isNew:
		return m.latestHeartbeat+newMemberJoinTimeoutMs > deadline
	case m.isAwaitingJoin() || m.isAwaitingSync():
		return true // never remove a member while it has a request parked
	default:
		return m.latestHeartbeat+int64(m.sessionTimeout) > deadline
	}
}
