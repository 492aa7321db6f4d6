package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SyncGroup, versions 0-4 as Kafka 2.4: v3 adds group.instance.id. The leader's SyncGroup
// carries the assignment; it is written to __consumer_offsets and every parked SyncGroup is
// answered once the append succeeded (AppendDone).

func (s *Shard) replySync(p *parked, assignment []byte, code int16) {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.Version = p.version
	resp.ErrorCode = code
	if assignment == nil {
		assignment = []byte{}
	}
	resp.MemberAssignment = assignment
	s.reply(p.w, resp)
}

func (s *Shard) handleSyncGroup(req Request, m *kmsg.SyncGroupRequest) {
	p := &parked{w: req.Waiter, version: m.Version}
	if code := s.validateGroupStatus(m.Group, false); code != 0 {
		if code == kerr.CoordinatorLoadInProgress.Code {
			// The rebalance in progress was lost with the old coordinator: make the
			// client rejoin without rediscovering the coordinator.
			code = kerr.RebalanceInProgress.Code
		}
		s.replySync(p, nil, code)
		return
	}
	g, ok := s.groups[m.Group]
	switch {
	case !ok:
		s.replySync(p, nil, kerr.UnknownMemberID.Code)
		return
	case g.is(Dead):
		s.replySync(p, nil, kerr.CoordinatorNotAvailable.Code)
		return
	case g.isStaticMemberFenced(m.MemberID, m.InstanceID):
		s.replySync(p, nil, kerr.FencedInstanceID.Code)
		return
	case !g.has(m.MemberID):
		s.replySync(p, nil, kerr.UnknownMemberID.Code)
		return
	case m.Generation != g.generation:
		s.replySync(p, nil, kerr.IllegalGeneration.Code)
		return
	}
	mem := g.get(m.MemberID)
	switch g.state {
	case Empty:
		s.replySync(p, nil, kerr.UnknownMemberID.Code)
	case PreparingRebalance:
		s.replySync(p, nil, kerr.RebalanceInProgress.Code)
	case CompletingRebalance:
		mem.sync = p
		if g.isLeader(mem.id) {
			s.log.WithField("group", g.id).Infof("Assignment received from leader for group %s for generation %d", g.id, g.generation)
			assignment := make(map[string][]byte, len(m.GroupAssignment))
			for _, a := range m.GroupAssignment {
				assignment[a.MemberID] = a.MemberAssignment
			}
			for _, x := range g.members { // members the leader left out get nothing
				if _, ok := assignment[x.id]; !ok {
					assignment[x.id] = []byte{}
				}
			}
			s.storeGroup(g, assignment, pendingAppend{kind: appendSyncGroup, g: g, generation: g.generation, assignment: assignment})
		}
	case Stable:
		s.replySync(p, mem.assignment, 0)
		s.scheduleHeartbeat(g, mem, int64(mem.sessionTimeout))
	}
}

// syncStored finishes the leader's SyncGroup once the group record was appended.
func (s *Shard) syncStored(pa pendingAppend, code int16) {
	g := pa.g
	// Another member may have joined meanwhile: act only if nothing moved.
	if !g.is(CompletingRebalance) || g.generation != pa.generation {
		return
	}
	if code != 0 {
		s.resetAndPropagateAssignmentError(g, code)
		s.maybePrepareRebalance(g, "error when storing group assignment during SyncGroup")
		return
	}
	for _, m := range g.members {
		m.assignment = pa.assignment[m.id]
	}
	s.propagateAssignment(g, 0)
	g.transitionTo(Stable, s.now)
}

func (s *Shard) resetAndPropagateAssignmentError(g *group, code int16) {
	for _, m := range g.members {
		m.assignment = []byte{}
	}
	s.propagateAssignment(g, code)
}

// propagateAssignment answers every parked SyncGroup and restarts their sessions: a session
// that ran out while the member waited for the leader was ignored (shouldKeepAlive).
func (s *Shard) propagateAssignment(g *group, code int16) {
	for _, m := range g.members {
		if p := g.takeSync(m); p != nil {
			s.replySync(p, m.assignment, code)
			s.scheduleHeartbeat(g, m, int64(m.sessionTimeout))
		}
	}
}
