package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Heartbeat, versions 0-4 as Kafka 2.4: v3 adds group.instance.id.

func (s *Shard) handleHeartbeat(req Request, m *kmsg.HeartbeatRequest) {
	code := s.heartbeat(m)
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.Version = m.Version
	resp.ErrorCode = code
	s.reply(req.Waiter, resp)
}

func (s *Shard) heartbeat(m *kmsg.HeartbeatRequest) int16 {
	if code := s.validateGroupStatus(m.Group, false); code != 0 {
		if code == kerr.CoordinatorLoadInProgress.Code {
			return 0 // the group is still loading: answer blindly
		}
		return code
	}
	g, ok := s.groups[m.Group]
	switch {
	case !ok:
		return kerr.UnknownMemberID.Code
	case g.is(Dead):
		return kerr.CoordinatorNotAvailable.Code
	case g.isStaticMemberFenced(m.MemberID, m.InstanceID):
		return kerr.FencedInstanceID.Code
	case !g.has(m.MemberID):
		return kerr.UnknownMemberID.Code
	case m.Generation != g.generation:
		return kerr.IllegalGeneration.Code
	}
	mem := g.get(m.MemberID)
	switch g.state {
	case CompletingRebalance:
		return kerr.RebalanceInProgress.Code
	case PreparingRebalance:
		s.scheduleHeartbeat(g, mem, int64(mem.sessionTimeout))
		return kerr.RebalanceInProgress.Code
	case Stable:
		s.scheduleHeartbeat(g, mem, int64(mem.sessionTimeout))
		return 0
	}
	return kerr.UnknownMemberID.Code // Empty
}

// scheduleHeartbeat is completeAndScheduleNextExpiration: the member is alive now and
// expires timeoutMs from now unless heard from again.
func (s *Shard) scheduleHeartbeat(g *group, m *member, timeoutMs int64) {
	m.latestHeartbeat = s.now
	m.hbDeadline = s.now + timeoutMs
	m.hbTimeout = timeoutMs
	if !m.hbArmed || m.hbArmedAt > m.hbDeadline {
		s.armHeartbeat(g, m, m.hbDeadline)
	}
}

func (s *Shard) armHeartbeat(g *group, m *member, at int64) {
	m.hbSeq = s.nextSeq()
	m.hbArmed = true
	m.hbArmedAt = at
	s.timer(TimerKey{Group: g.id, Kind: TimerHeartbeat, Member: m.id, Seq: m.hbSeq}, at)
}

// heartbeatFired is DelayedHeartbeat's expiration (onExpireHeartbeat).
func (s *Shard) heartbeatFired(g *group, key TimerKey) {
	m := g.get(key.Member)
	if m == nil || !m.hbArmed || m.hbSeq != key.Seq {
		return // member gone, or a newer timer is armed
	}
	m.hbArmed = false
	if s.now < m.hbDeadline {
		s.armHeartbeat(g, m, m.hbDeadline) // heard from since: wait for the new deadline
		return
	}
	if m.shouldKeepAlive(m.hbDeadline) {
		return // a request is parked; the next schedule re-arms
	}
	s.log.WithField("group", g.id).Infof("Member %s in group %s has failed, removing it from the group", m.id, g.id)
	s.removeMemberAndUpdateGroup(g, m, "removing member "+m.id+" on heartbeat expiration")
}

// pendingFired expires a member id handed out with MEMBER_ID_REQUIRED that never joined.
func (s *Shard) pendingFired(g *group, id string) {
	if g.has(id) {
		return // it joined: Kafka completes the pending expiration then
	}
	if g.pending[id] {
		s.log.WithField("group", g.id).Infof("Pending member %s in group %s has been removed after session timeout expiration.", id, g.id)
	}
	s.removePendingMemberAndUpdateGroup(g, id)
}
