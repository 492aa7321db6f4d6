package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// LeaveGroup, versions 0-4 as Kafka 2.4: v3 leaves a batch of members, each by member id
// or group.instance.id (KIP-345); before v3 one member leaves and its error is the
// top-level error.

func (s *Shard) handleLeaveGroup(req Request, m *kmsg.LeaveGroupRequest) {
	leaving := m.Members
	if m.Version <= 2 {
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID = m.MemberID
		leaving = []kmsg.LeaveGroupRequestMember{lm}
	}
	top, members := s.leave(m.Group, leaving)
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.Version = m.Version
	if m.Version <= 2 {
		resp.ErrorCode = top
		for _, x := range members {
			if resp.ErrorCode == 0 {
				resp.ErrorCode = x.ErrorCode
			}
		}
	} else {
		resp.ErrorCode = top
		resp.Members = members
	}
	s.reply(req.Waiter, resp)
}

func (s *Shard) leave(groupID string, leaving []kmsg.LeaveGroupRequestMember) (int16, []kmsg.LeaveGroupResponseMember) {
	if code := s.validateGroupStatus(groupID, false); code != 0 {
		return code, nil
	}
	result := func(l kmsg.LeaveGroupRequestMember, code int16) kmsg.LeaveGroupResponseMember {
		r := kmsg.NewLeaveGroupResponseMember()
		r.MemberID = l.MemberID
		r.InstanceID = l.InstanceID
		r.ErrorCode = code
		return r
	}
	out := make([]kmsg.LeaveGroupResponseMember, 0, len(leaving))
	g, ok := s.groups[groupID]
	if !ok {
		for _, l := range leaving {
			out = append(out, result(l, kerr.UnknownMemberID.Code))
		}
		return 0, out
	}
	if g.is(Dead) {
		return kerr.CoordinatorNotAvailable.Code, nil
	}
	for _, l := range leaving {
		switch {
		case l.MemberID != "" && g.isStaticMemberFenced(l.MemberID, l.InstanceID):
			out = append(out, result(l, kerr.FencedInstanceID.Code))
		case g.isPendingMember(l.MemberID):
			if l.InstanceID != nil {
				// Kafka throws here (pending ids are never static); answer instead.
				out = append(out, result(l, kerr.UnknownMemberID.Code))
				continue
			}
			s.log.WithField("group", g.id).Infof("Pending member %s is leaving group %s.", l.MemberID, g.id)
			s.removePendingMemberAndUpdateGroup(g, l.MemberID)
			out = append(out, result(l, 0))
		case !g.has(l.MemberID) && !g.hasStaticMember(l.InstanceID):
			out = append(out, result(l, kerr.UnknownMemberID.Code))
		default:
			id := l.MemberID
			if g.hasStaticMember(l.InstanceID) {
				id = g.static[*l.InstanceID]
			}
			mem := g.get(id)
			mem.isLeaving = true
			mem.hbArmed = false
			s.log.WithField("group", g.id).Infof("Member[group.instance.id %v, member.id %s] in group %s has left, removing it from the group",
				strOrNone(mem.instanceID), mem.id, g.id)
			s.removeMemberAndUpdateGroup(g, mem, "removing member "+l.MemberID+" on LeaveGroup")
			out = append(out, result(l, 0))
		}
	}
	return 0, out
}

func strOrNone(s *string) string {
	if s == nil {
		return "None"
	}
	return "Some(" + *s + ")"
}
