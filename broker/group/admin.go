package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeGroups (0-5), ListGroups (0-3) and DeleteGroups (0-2) as Kafka 2.4. These
// requests span groups of many shards: the caller splits DescribeGroups and DeleteGroups by
// PartitionFor and merges the answers, and merges ListGroups from every loaded shard (a
// shard still loading answers COORDINATOR_LOAD_IN_PROGRESS with its groups left out).

// groupAuthorizedOperations is the bit field of READ(3), DELETE(6) and DESCRIBE(8): every
// operation a group supports, all allowed because no authorizer is configured.
const groupAuthorizedOperations int32 = 1<<3 | 1<<6 | 1<<8

func (s *Shard) handleDescribeGroups(req Request, m *kmsg.DescribeGroupsRequest) {
	resp := kmsg.NewPtrDescribeGroupsResponse()
	resp.Version = m.Version
	for _, id := range m.Groups {
		dg := s.describe(id)
		if m.Version >= 3 {
			dg.AuthorizedOperations = 0
			if dg.ErrorCode == 0 && m.IncludeAuthorizedOperations {
				dg.AuthorizedOperations = groupAuthorizedOperations
			}
		}
		resp.Groups = append(resp.Groups, dg)
	}
	s.reply(req.Waiter, resp)
}

func (s *Shard) describe(id string) kmsg.DescribeGroupsResponseGroup {
	dg := kmsg.NewDescribeGroupsResponseGroup()
	dg.Group = id
	dg.Members = []kmsg.DescribeGroupsResponseGroupMember{}
	if code := s.validateGroupStatus(id, true); code != 0 {
		dg.ErrorCode = code // with Kafka's EmptyGroup summary: all fields empty
		return dg
	}
	g, ok := s.groups[id]
	if !ok {
		dg.State = Dead.String()
		return dg
	}
	dg.State = g.state.String()
	dg.ProtocolType = g.protocolType
	if g.is(Stable) {
		dg.Protocol = g.protocol
	}
	for _, m := range g.members {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID = m.id
		dm.InstanceID = m.instanceID
		dm.ClientID = m.clientID
		dm.ClientHost = m.clientHost
		dm.ProtocolMetadata, dm.MemberAssignment = []byte{}, []byte{}
		if g.is(Stable) { // metadata and assignment only once the group is stable
			dm.ProtocolMetadata = m.metadata(g.protocol)
			dm.MemberAssignment = m.assignment
		}
		dg.Members = append(dg.Members, dm)
	}
	return dg
}

func (s *Shard) handleListGroups(req Request, m *kmsg.ListGroupsRequest) {
	resp := kmsg.NewPtrListGroupsResponse()
	resp.Version = m.Version
	resp.Groups = []kmsg.ListGroupsResponseGroup{}
	switch s.status {
	case shardLoading:
		resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
	case shardActive:
		for _, g := range s.sortedGroups() {
			lg := kmsg.NewListGroupsResponseGroup()
			lg.Group = g.id
			lg.ProtocolType = g.protocolType
			resp.Groups = append(resp.Groups, lg)
		}
	}
	s.reply(req.Waiter, resp)
}

func (s *Shard) handleDeleteGroups(req Request, m *kmsg.DeleteGroupsRequest) {
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.Version = m.Version
	codes := map[string]int16{}
	var order []string
	var eligible []*group
	for _, id := range m.Groups {
		if _, dup := codes[id]; dup {
			continue
		}
		order = append(order, id)
		codes[id] = 0
		if code := s.validateGroupStatus(id, true); code != 0 {
			codes[id] = code
			continue
		}
		g, ok := s.groups[id]
		switch {
		case !ok || g.is(Dead):
			codes[id] = kerr.GroupIDNotFound.Code
		case g.is(Empty):
			g.transitionTo(Dead, s.now)
			eligible = append(eligible, g)
		default:
			codes[id] = kerr.NonEmptyGroup.Code
		}
	}
	if len(eligible) > 0 {
		n := s.cleanupGroups(eligible, func(g *group) []topicPartition { return g.removeOffsets(sortedPartitions(g.offsets)) })
		s.log.Infof("The following groups were deleted: %d groups. A total of %d offsets were removed.", len(eligible), n)
	}
	for _, id := range order {
		dg := kmsg.NewDeleteGroupsResponseGroup()
		dg.Group = id
		dg.ErrorCode = codes[id]
		resp.Groups = append(resp.Groups, dg)
	}
	s.reply(req.Waiter, resp)
}
