package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// JoinGroup, versions 0-6 as Kafka 2.4 (KafkaApis.handleJoinGroupRequest and
// GroupCoordinator.handleJoinGroup): v1 adds the rebalance timeout (v0 uses the session
// timeout), v4 makes an unknown member with an empty id get MEMBER_ID_REQUIRED and a pending
// member id first (KIP-394), v5 adds group.instance.id (static membership, KIP-345).

// joinResult is JoinGroupResult.
type joinResult struct {
	members    []kmsg.JoinGroupResponseMember
	memberID   string
	generation int32
	protocol   string
	leader     string
	err        int16
}

func joinError(memberID string, code int16) joinResult {
	return joinResult{memberID: memberID, generation: -1, err: code}
}

func (s *Shard) replyJoin(p *parked, r joinResult) {
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.Version = p.version
	resp.ErrorCode = r.err
	resp.Generation = r.generation
	proto := r.protocol
	resp.Protocol = &proto
	resp.LeaderID = r.leader
	resp.MemberID = r.memberID
	resp.Members = r.members
	s.reply(p.w, resp)
}

func (s *Shard) handleJoinGroup(req Request, m *kmsg.JoinGroupRequest) {
	p := &parked{w: req.Waiter, version: m.Version}
	if code := s.validateGroupStatus(m.Group, false); code != 0 {
		s.replyJoin(p, joinError(m.MemberID, code))
		return
	}
	session := m.SessionTimeoutMillis
	rebalance := m.RebalanceTimeoutMillis
	if m.Version == 0 {
		rebalance = session // JoinGroupRequest.maybeOverrideRebalanceTimeout
	}
	if int64(session) < s.cfg.MinSessionTimeout.Milliseconds() || int64(session) > s.cfg.MaxSessionTimeout.Milliseconds() {
		s.replyJoin(p, joinError(m.MemberID, kerr.InvalidSessionTimeout.Code))
		return
	}
	protocols := make([]protocol, 0, len(m.Protocols))
	for _, pr := range m.Protocols {
		protocols = append(protocols, protocol{name: pr.Name, metadata: pr.Metadata})
	}
	j := joinArgs{
		memberID:     m.MemberID,
		instanceID:   m.InstanceID,
		requireKnown: m.Version >= 4 && m.InstanceID == nil,
		clientID:     req.ClientID,
		clientHost:   req.ClientHost,
		rebalance:    rebalance,
		session:      session,
		protocolType: m.ProtocolType,
		protocols:    protocols,
		p:            p,
	}
	unknown := m.MemberID == ""
	g, ok := s.groups[m.Group]
	if !ok {
		// Only an unknown member may create a group; a known member id for a group
		// we do not have is stale.
		if !unknown {
			s.replyJoin(p, joinError(m.MemberID, kerr.UnknownMemberID.Code))
			return
		}
		s.doUnknownJoin(s.addGroup(m.Group), j)
		return
	}
	overCapacity := g.size() > s.cfg.MaxSize
	if (overCapacity && g.has(m.MemberID) && !g.get(m.MemberID).isAwaitingJoin()) ||
		(unknown && g.size() >= s.cfg.MaxSize) {
		// Kafka also drops the static mapping of m.InstanceID here, even when the refused
		// request is a restarted static member whose old incarnation stays in the group,
		// which leaves a static member the group no longer knows as static. Only the
		// mapping of the member actually shed is dropped.
		if m.InstanceID != nil && g.static[*m.InstanceID] == m.MemberID {
			g.removeStaticMember(m.InstanceID)
		}
		g.remove(m.MemberID)
		s.replyJoin(p, joinError("", kerr.GroupMaxSizeReached.Code))
	} else if unknown {
		s.doUnknownJoin(g, j)
	} else {
		s.doJoin(g, j)
	}
	if g.is(PreparingRebalance) {
		s.checkAndCompleteJoin(g)
	}
}

type joinArgs struct {
	memberID           string
	instanceID         *string
	requireKnown       bool
	clientID           string
	clientHost         string
	rebalance, session int32
	protocolType       string
	protocols          []protocol
	p                  *parked
}

func (s *Shard) generateMemberID(clientID string, instanceID *string) string {
	prefix := clientID
	if instanceID != nil {
		prefix = *instanceID
	}
	return prefix + "-" + s.cfg.NewUUID()
}

func (s *Shard) doUnknownJoin(g *group, j joinArgs) {
	if g.is(Dead) {
		s.replyJoin(j.p, joinError("", kerr.CoordinatorNotAvailable.Code))
		return
	}
	if !g.supportsProtocols(j.protocolType, j.protocols) {
		s.replyJoin(j.p, joinError("", kerr.InconsistentGroupProtocol.Code))
		return
	}
	newID := s.generateMemberID(j.clientID, j.instanceID)
	switch {
	case g.hasStaticMember(j.instanceID):
		oldID := g.static[*j.instanceID]
		s.log.WithField("group", g.id).Infof("Static member %s with unknown member id rejoins, assigning new member id %s, while old member %s will be removed.",
			*j.instanceID, newID, oldID)
		currentLeader := g.leader
		m := s.replaceGroupInstance(g, oldID, newID, j.instanceID)
		s.scheduleHeartbeat(g, m, int64(m.sessionTimeout))
		g.updateMember(m, j.protocols, j.p)
		switch g.state {
		case Stable, CompletingRebalance:
			// No rebalance: answer at once with the current generation and the old leader
			// id, so that the leader (if this is it) does not run an assignment a stable
			// group would never propagate.
			if p := g.takeJoin(m); p != nil {
				s.replyJoin(p, joinResult{
					memberID: newID, generation: g.generation, protocol: g.protocol, leader: currentLeader,
				})
			}
		case PreparingRebalance:
			// Parked with the others.
		default:
			// Unreachable: a group with members is never Empty and Dead groups are gone
			// from the shard. Kafka throws IllegalStateException, which the request
			// handler turns into UNKNOWN_SERVER_ERROR; answer that rather than crash.
			s.log.WithField("group", g.id).Errorf("Static member %s rejoined group %s in unexpected state %s",
				*j.instanceID, g.id, g.state)
			if p := g.takeJoin(m); p != nil {
				s.replyJoin(p, joinError(newID, kerr.UnknownServerError.Code))
			}
		}
	case j.requireKnown:
		g.pending[newID] = true
		s.timer(TimerKey{Group: g.id, Kind: TimerPendingMember, Member: newID, Seq: s.nextSeq()}, s.now+int64(j.session))
		s.replyJoin(j.p, joinError(newID, kerr.MemberIDRequired.Code))
	default:
		s.addMemberAndRebalance(g, newID, j)
	}
}

func (s *Shard) doJoin(g *group, j joinArgs) {
	switch {
	case g.is(Dead):
		s.replyJoin(j.p, joinError(j.memberID, kerr.CoordinatorNotAvailable.Code))
		return
	case !g.supportsProtocols(j.protocolType, j.protocols):
		s.replyJoin(j.p, joinError(j.memberID, kerr.InconsistentGroupProtocol.Code))
		return
	case g.isPendingMember(j.memberID):
		if j.instanceID != nil {
			// Kafka throws IllegalStateException here: pending ids are only handed to
			// dynamic members. A client inventing one gets UNKNOWN_MEMBER_ID instead of a
			// dropped connection.
			s.replyJoin(j.p, joinError(j.memberID, kerr.UnknownMemberID.Code))
			return
		}
		s.addMemberAndRebalance(g, j.memberID, j)
		return
	case g.isStaticMemberFenced(j.memberID, j.instanceID):
		s.replyJoin(j.p, joinError(j.memberID, kerr.FencedInstanceID.Code))
		return
	case !g.has(j.memberID) || (j.instanceID != nil && !g.hasStaticMember(j.instanceID)):
		s.replyJoin(j.p, joinError(j.memberID, kerr.UnknownMemberID.Code))
		return
	}
	m := g.get(j.memberID)
	switch g.state {
	case PreparingRebalance:
		s.updateMemberAndRebalance(g, m, j.protocols, j.p)
	case CompletingRebalance:
		if m.matches(j.protocols) {
			// The member probably missed the JoinGroup response: send it again.
			r := joinResult{memberID: m.id, generation: g.generation, protocol: g.protocol, leader: g.leader}
			if g.isLeader(m.id) {
				r.members = g.currentMemberMetadata()
			}
			s.replyJoin(j.p, r)
		} else {
			s.updateMemberAndRebalance(g, m, j.protocols, j.p)
		}
	case Stable:
		if g.isLeader(m.id) || !m.matches(j.protocols) {
			// A leader's JoinGroup forces a rebalance: it lets the leader react to changes
			// outside member metadata (new partitions of a subscribed topic).
			s.updateMemberAndRebalance(g, m, j.protocols, j.p)
		} else {
			s.replyJoin(j.p, joinResult{memberID: m.id, generation: g.generation, protocol: g.protocol, leader: g.leader})
		}
	default: // Empty, Dead
		s.log.WithField("group", g.id).Warnf("Attempt to add rejoining member %s of group %s in unexpected group state %s",
			m.id, g.id, g.state)
		s.replyJoin(j.p, joinError(j.memberID, kerr.UnknownMemberID.Code))
	}
}

// currentMemberMetadata is the member list the leader gets in its JoinGroup response.
func (g *group) currentMemberMetadata() []kmsg.JoinGroupResponseMember {
	out := make([]kmsg.JoinGroupResponseMember, 0, len(g.members))
	for _, m := range g.members {
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID = m.id
		jm.InstanceID = m.instanceID
		jm.ProtocolMetadata = m.metadata(g.protocol)
		out = append(out, jm)
	}
	return out
}

// replaceGroupInstance gives a static member a new member id, fencing requests parked
// under the old id with FENCED_INSTANCE_ID.
func (s *Shard) replaceGroupInstance(g *group, oldID, newID string, instanceID *string) *member {
	m := g.get(oldID)
	if p := g.takeJoin(m); p != nil {
		s.replyJoin(p, joinResult{memberID: oldID, generation: -1, err: kerr.FencedInstanceID.Code})
	}
	if p := g.takeSync(m); p != nil {
		s.replySync(p, nil, kerr.FencedInstanceID.Code)
	}
	delete(g.byID, oldID)
	m.id = newID
	g.byID[newID] = m
	m.hbArmed = false // the armed timer names the old id
	if g.leader == oldID {
		g.leader = newID
	}
	g.static[*instanceID] = newID
	return m
}

func (s *Shard) addMemberAndRebalance(g *group, id string, j joinArgs) {
	m := &member{
		id: id, instanceID: j.instanceID, clientID: j.clientID, clientHost: j.clientHost,
		rebalanceTimeout: j.rebalance, sessionTimeout: j.session,
		protocolType: j.protocolType, protocols: j.protocols, isNew: true,
	}
	// A member added while the first generation is still forming may extend the initial
	// rebalance delay (InitialDelayedJoin).
	if g.is(PreparingRebalance) && g.generation == 0 {
		g.newMemberAdded = true
	}
	g.add(m, j.p)
	// New members cannot heartbeat and their sockets are muted while parked, so they get
	// the new-member join timeout instead of the session timeout.
	s.scheduleHeartbeat(g, m, newMemberJoinTimeoutMs)
	if m.isStatic() {
		g.static[*m.instanceID] = id
	} else {
		delete(g.pending, id)
	}
	s.maybePrepareRebalance(g, "Adding new member "+id)
}

func (s *Shard) updateMemberAndRebalance(g *group, m *member, ps []protocol, p *parked) {
	g.updateMember(m, ps, p)
	s.maybePrepareRebalance(g, "Updating metadata for member "+m.id)
}

func (s *Shard) maybePrepareRebalance(g *group, reason string) {
	if g.canRebalance() {
		s.prepareRebalance(g, reason)
	}
}

func (s *Shard) prepareRebalance(g *group, reason string) {
	if g.is(CompletingRebalance) {
		s.resetAndPropagateAssignmentError(g, kerr.RebalanceInProgress.Code)
	}
	var op joinOp
	if g.is(Empty) {
		d := s.cfg.InitialRebalanceDelay.Milliseconds()
		op = joinOp{initial: true, configured: d, delayMs: d, remainingMs: max(g.rebalanceTimeout()-d, 0)}
	} else {
		op = joinOp{delayMs: g.rebalanceTimeout()}
	}
	g.transitionTo(PreparingRebalance, s.now)
	s.log.WithField("group", g.id).Infof("Preparing to rebalance group %s in state %s with old generation %d (%s-%d) (reason: %s)",
		g.id, g.state, g.generation, OffsetsTopic, s.partition, reason)
	s.watchJoin(g, op)
}

// watchJoin is tryCompleteElseWatch for a delayed join: complete at once if possible,
// else arm its timer.
func (s *Shard) watchJoin(g *group, op joinOp) {
	if !op.initial && g.hasAllMembersJoined() {
		g.join = joinOp{}
		s.onCompleteJoin(g)
		return
	}
	op.armed = true
	op.seq = s.nextSeq()
	g.join = op
	s.timer(TimerKey{Group: g.id, Kind: TimerJoin, Seq: op.seq}, s.now+op.delayMs)
}

// checkAndCompleteJoin completes the armed DelayedJoin if every member rejoined.
// InitialDelayedJoin never completes early.
func (s *Shard) checkAndCompleteJoin(g *group) {
	if g.join.armed && !g.join.initial && g.hasAllMembersJoined() {
		g.join = joinOp{}
		s.onCompleteJoin(g)
	}
}

func (s *Shard) joinFired(g *group, seq uint64) {
	op := g.join
	if !op.armed || op.seq != seq {
		return // completed early or superseded
	}
	g.join = joinOp{}
	if op.initial && g.newMemberAdded && op.remainingMs != 0 {
		// More members arrived during the delay: wait again, but never past the
		// rebalance timeout. (Kafka subtracts the previous delay from the remainder.)
		g.newMemberAdded = false
		s.watchJoin(g, joinOp{
			initial:     true,
			configured:  op.configured,
			delayMs:     min(op.configured, op.remainingMs),
			remainingMs: max(op.remainingMs-op.delayMs, 0),
		})
		return
	}
	s.onCompleteJoin(g)
}

// onCompleteJoin is GroupCoordinator.onCompleteJoin: drop dynamic members that did not
// rejoin, then start the next generation and answer every parked JoinGroup.
func (s *Shard) onCompleteJoin(g *group) {
	var failed []*member
	for _, m := range g.members {
		if !m.isAwaitingJoin() && !m.isStatic() {
			failed = append(failed, m)
		}
	}
	for _, m := range failed {
		m.isLeaving = true
		g.remove(m.id)
		g.removeStaticMember(m.instanceID)
	}
	if g.is(Dead) {
		return
	}
	if !g.maybeElectNewJoinedLeader() && len(g.members) > 0 {
		// Only static members that did not rejoin are left: wait another rebalance
		// timeout for them or for their sessions to expire.
		s.log.WithField("group", g.id).Errorf("Group %s could not complete rebalance because no members rejoined", g.id)
		s.watchJoin(g, joinOp{delayMs: g.rebalanceTimeout()})
		return
	}
	g.initNextGeneration(s.now)
	if g.is(Empty) {
		s.log.WithField("group", g.id).Infof("Group %s with generation %d is now empty (%s-%d)",
			g.id, g.generation, OffsetsTopic, s.partition)
		s.storeGroup(g, nil, pendingAppend{kind: appendEmptyGroup, g: g, generation: g.generation})
		return
	}
	s.log.WithField("group", g.id).Infof("Stabilized group %s generation %d (%s-%d)",
		g.id, g.generation, OffsetsTopic, s.partition)
	for _, m := range g.members {
		r := joinResult{memberID: m.id, generation: g.generation, protocol: g.protocol, leader: g.leader}
		if g.isLeader(m.id) {
			r.members = g.currentMemberMetadata()
		}
		if p := g.takeJoin(m); p != nil {
			s.replyJoin(p, r)
		}
		s.scheduleHeartbeat(g, m, int64(m.sessionTimeout))
		m.isNew = false
	}
}

// removeMemberAndUpdateGroup removes a member (left or expired) and moves the rebalance on.
func (s *Shard) removeMemberAndUpdateGroup(g *group, m *member, reason string) {
	// A new member may time out while its JoinGroup is parked: answer it so that a
	// still-running client rejoins.
	if p := g.takeJoin(m); p != nil {
		s.replyJoin(p, joinError("", kerr.UnknownMemberID.Code))
	}
	g.remove(m.id)
	g.removeStaticMember(m.instanceID)
	switch g.state {
	case Stable, CompletingRebalance:
		s.maybePrepareRebalance(g, reason)
	case PreparingRebalance:
		s.checkAndCompleteJoin(g)
	}
}

func (s *Shard) removePendingMemberAndUpdateGroup(g *group, id string) {
	delete(g.pending, id)
	if g.is(PreparingRebalance) {
		s.checkAndCompleteJoin(g)
	}
}
