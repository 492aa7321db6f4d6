package group

import (
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// OffsetCommit (versions 0-7), OffsetFetch (0-5) and OffsetDelete (0) as Kafka 2.4.
// Differences: Kafka stores v0 commits in ZooKeeper and serves v0 fetches from there; here
// every version uses __consumer_offsets. Transactional commits (TxnOffsetCommit) are not
// handled.

// pendingCommit is an OffsetCommit waiting for its append.
type pendingCommit struct {
	p        parked
	topics   []kmsg.OffsetCommitRequestTopic // request order, for the response
	status   map[topicPartition]int16        // final errors known before the append
	values   map[topicPartition]OffsetValue  // what was appended (metadata within limits)
	tooLarge map[topicPartition]bool
}

func (s *Shard) handleOffsetCommit(req Request, m *kmsg.OffsetCommitRequest) {
	pc := &pendingCommit{
		p:        parked{w: req.Waiter, version: m.Version},
		topics:   m.Topics,
		status:   map[topicPartition]int16{},
		values:   map[topicPartition]OffsetValue{},
		tooLarge: map[topicPartition]bool{},
	}
	offsets := map[topicPartition]OffsetValue{}
	var order []topicPartition
	for _, t := range m.Topics {
		for _, p := range t.Partitions {
			tp := topicPartition{t.Topic, p.Partition}
			if req.PartitionExists != nil && !req.PartitionExists(t.Topic, p.Partition) {
				pc.status[tp] = kerr.UnknownTopicOrPartition.Code
				continue
			}
			v := OffsetValue{Offset: p.Offset, LeaderEpoch: p.LeaderEpoch, CommitTimestamp: s.now, ExpireTimestamp: noTimestamp}
			if p.Metadata != nil {
				v.Metadata = *p.Metadata
			}
			if v.LeaderEpoch < 0 {
				v.LeaderEpoch = noLeaderEpoch
			}
			if m.Version == 1 && p.Timestamp != noTimestamp {
				v.CommitTimestamp = p.Timestamp // v1 lets the client set the commit time
			}
			if m.Version >= 2 && m.Version <= 4 && m.RetentionTimeMillis != -1 {
				v.ExpireTimestamp = s.now + m.RetentionTimeMillis
			}
			if _, dup := offsets[tp]; !dup {
				order = append(order, tp)
			}
			offsets[tp] = v
		}
	}
	if len(order) == 0 {
		s.replyCommit(pc)
		return
	}
	setAll := func(code int16) {
		for _, tp := range order {
			pc.status[tp] = code
		}
		s.replyCommit(pc)
	}
	if code := s.validateGroupStatus(m.Group, true); code != 0 {
		setAll(code)
		return
	}
	g, ok := s.groups[m.Group]
	if !ok {
		if m.Generation >= 0 {
			setAll(kerr.IllegalGeneration.Code) // a commit from an older generation
			return
		}
		// The group uses Kafka only to store offsets.
		g = s.addGroup(m.Group)
	}
	switch {
	case g.is(Dead):
		setAll(kerr.CoordinatorNotAvailable.Code)
	case g.isStaticMemberFenced(m.MemberID, m.InstanceID):
		setAll(kerr.FencedInstanceID.Code)
	case m.Generation < 0 && g.is(Empty):
		s.storeOffsets(g, pc, order, offsets)
	case !g.has(m.MemberID):
		setAll(kerr.UnknownMemberID.Code)
	case m.Generation != g.generation:
		setAll(kerr.IllegalGeneration.Code)
	case g.is(Stable) || g.is(PreparingRebalance):
		// Commits are allowed while preparing a rebalance: the heartbeat tells the
		// consumer about the rebalance.
		mem := g.get(m.MemberID)
		s.scheduleHeartbeat(g, mem, int64(mem.sessionTimeout))
		s.storeOffsets(g, pc, order, offsets)
	default: // CompletingRebalance
		setAll(kerr.RebalanceInProgress.Code)
	}
}

// storeOffsets is GroupMetadataManager.storeOffsets.
func (s *Shard) storeOffsets(g *group, pc *pendingCommit, order []topicPartition, offsets map[topicPartition]OffsetValue) {
	var recs []Record
	for _, tp := range order {
		v := offsets[tp]
		if utf16Len(v.Metadata) > s.cfg.MaxMetadataSize {
			pc.tooLarge[tp] = true
			continue
		}
		pc.values[tp] = v
		recs = append(recs, Record{Key: EncodeOffsetKey(g.id, tp.topic, tp.partition), Value: EncodeOffsetValue(v)})
	}
	if len(recs) == 0 {
		for _, tp := range order {
			pc.status[tp] = kerr.OffsetMetadataTooLarge.Code
		}
		s.replyCommit(pc)
		return
	}
	// Kafka stages every offset of the request as pending, including those whose metadata
	// was too large (and are never appended, so they stay pending); kept for fidelity.
	for _, tp := range order {
		g.pendingCommits[tp] = offsets[tp]
	}
	s.append(-1, recs, pendingAppend{kind: appendOffsetCommit, g: g, commit: pc})
}

// commitStored finishes an OffsetCommit after its append.
func (s *Shard) commitStored(pa pendingAppend, code int16) {
	g, pc := pa.g, pa.commit
	for tp, v := range pc.values {
		if g.is(Dead) {
			break
		}
		if code == 0 {
			// onOffsetCommitAppend: only still-pending partitions are materialised (a
			// deleted topic's offsets were dropped meanwhile).
			if _, ok := g.pendingCommits[tp]; ok {
				g.offsets[tp] = v
			}
			if g.pendingCommits[tp] == v {
				delete(g.pendingCommits, tp)
			}
		} else if g.pendingCommits[tp] == v {
			delete(g.pendingCommits, tp) // failPendingOffsetWrite
		}
	}
	code = offsetAppendError(code)
	for tp := range pc.values {
		pc.status[tp] = code
	}
	for tp := range pc.tooLarge {
		pc.status[tp] = kerr.OffsetMetadataTooLarge.Code
	}
	s.replyCommit(pc)
}

func (s *Shard) replyCommit(pc *pendingCommit) {
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.Version = pc.p.version
	for _, t := range pc.topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = pc.status[topicPartition{t.Topic, p.Partition}]
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	s.reply(pc.p.w, resp)
}

func (s *Shard) handleOffsetFetch(req Request, m *kmsg.OffsetFetchRequest) {
	resp := kmsg.NewPtrOffsetFetchResponse()
	resp.Version = m.Version
	defer s.reply(req.Waiter, resp)
	if code := s.validateGroupStatus(m.Group, true); code != 0 {
		if m.Version >= 2 {
			resp.ErrorCode = code
			return
		}
		for _, t := range m.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, fetchPartition(p, OffsetValue{Offset: -1, LeaderEpoch: -1}, code))
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return
	}
	g, ok := s.groups[m.Group]
	if ok && g.is(Dead) {
		ok = false
	}
	if m.Topics == nil && m.Version >= 2 { // all partitions the group committed
		if !ok {
			return
		}
		tps := sortedPartitions(g.offsets)
		for i := 0; i < len(tps); {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = tps[i].topic
			for ; i < len(tps) && tps[i].topic == rt.Topic; i++ {
				rt.Partitions = append(rt.Partitions, fetchPartition(tps[i].partition, g.offsets[tps[i]], 0))
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return
	}
	for _, t := range m.Topics {
		rt := kmsg.NewOffsetFetchResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			v, found := OffsetValue{}, false
			if ok {
				v, found = g.offsets[topicPartition{t.Topic, p}]
			}
			if !found {
				v = OffsetValue{Offset: -1, LeaderEpoch: -1}
			}
			rt.Partitions = append(rt.Partitions, fetchPartition(p, v, 0))
		}
		resp.Topics = append(resp.Topics, rt)
	}
}

func fetchPartition(p int32, v OffsetValue, code int16) kmsg.OffsetFetchResponseTopicPartition {
	rp := kmsg.NewOffsetFetchResponseTopicPartition()
	rp.Partition = p
	rp.Offset = v.Offset
	rp.LeaderEpoch = v.LeaderEpoch
	md := v.Metadata
	rp.Metadata = &md
	rp.ErrorCode = code
	return rp
}

func sortedPartitions[V any](m map[topicPartition]V) []topicPartition {
	tps := make([]topicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].topic != tps[j].topic {
			return tps[i].topic < tps[j].topic
		}
		return tps[i].partition < tps[j].partition
	})
	return tps
}

func (s *Shard) handleOffsetDelete(req Request, m *kmsg.OffsetDeleteRequest) {
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.Version = m.Version
	defer s.reply(req.Waiter, resp)
	status := map[topicPartition]int16{}
	var candidates []topicPartition
	for _, t := range m.Topics {
		for _, p := range t.Partitions {
			tp := topicPartition{t.Topic, p.Partition}
			if req.PartitionExists != nil && !req.PartitionExists(t.Topic, p.Partition) {
				status[tp] = kerr.UnknownTopicOrPartition.Code
			} else {
				candidates = append(candidates, tp)
			}
		}
	}
	if code := s.validateGroupStatus(m.Group, false); code != 0 {
		resp.ErrorCode = code
		return
	}
	g, ok := s.groups[m.Group]
	if !ok || g.is(Dead) {
		resp.ErrorCode = kerr.GroupIDNotFound.Code
		return
	}
	var eligible []topicPartition
	switch {
	case g.is(Empty):
		eligible = candidates
	case g.isConsumerGroup():
		for _, tp := range candidates {
			if g.isSubscribedToTopic(tp.topic) {
				status[tp] = kerr.GroupSubscribedToTopic.Code
			} else {
				eligible = append(eligible, tp)
			}
		}
	default:
		resp.ErrorCode = kerr.NonEmptyGroup.Code
		return
	}
	if len(eligible) > 0 {
		n := s.cleanupGroups([]*group{g}, func(g *group) []topicPartition { return g.removeOffsets(eligible) })
		for _, tp := range eligible {
			status[tp] = 0
		}
		s.log.WithField("group", g.id).Infof("The following offsets of the group %s were deleted: %v. A total of %d offsets were removed.",
			g.id, eligible, n)
	}
	for _, t := range m.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = status[topicPartition{t.Topic, p.Partition}]
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
}

// cleanupGroups is GroupMetadataManager.cleanupGroupMetadata: remove the offsets the
// selector picks, kill groups left Empty without offsets, and append tombstones for the
// removed offsets and dead groups (acks 0: a lost tombstone is rewritten by the next
// cleanup). Returns the number of offsets removed.
func (s *Shard) cleanupGroups(groups []*group, selector func(*group) []topicPartition) int {
	total := 0
	for _, g := range groups {
		removed := selector(g)
		if g.is(Empty) && !g.hasOffsets() {
			s.log.WithField("group", g.id).Infof("Group %s transitioned to Dead in generation %d", g.id, g.generation)
			g.transitionTo(Dead, s.now)
		}
		var recs []Record
		for _, tp := range removed {
			recs = append(recs, Record{Key: EncodeOffsetKey(g.id, tp.topic, tp.partition)})
		}
		// Groups of generation 0 only stored offsets and never wrote group metadata.
		if g.is(Dead) && s.groups[g.id] == g {
			delete(s.groups, g.id)
			if g.generation > 0 {
				recs = append(recs, Record{Key: EncodeGroupKey(g.id)})
			}
		}
		if len(recs) > 0 {
			s.append(0, recs, pendingAppend{})
			total += len(removed)
		}
	}
	return total
}

// expireOffsets is the periodic offset expiration (GroupMetadata.removeExpiredOffsets over
// every group, then cleanup).
func (s *Shard) expireOffsets() {
	retention := s.cfg.OffsetsRetention.Milliseconds()
	n := s.cleanupGroups(s.sortedGroups(), func(g *group) []topicPartition {
		return g.removeExpiredOffsets(s.now, retention)
	})
	s.log.Infof("Removed %d expired offsets", n)
}

// removeExpiredOffsets is GroupMetadata.removeExpiredOffsets of Kafka 2.4:
//   - Empty group with a protocol type: offsets expire retention after the group became
//     Empty (or, with no state timestamp, after their commit);
//   - consumer group with members and known subscriptions: offsets of topics no member
//     subscribes to expire retention after their commit;
//   - group without protocol type (offsets only): retention after the commit;
//   - otherwise nothing expires.
//
// An offset committed with an explicit expire timestamp (OffsetCommit v2-v4) expires then
// instead; offsets with a commit in flight never expire.
func (g *group) removeExpiredOffsets(now, retention int64) []topicPartition {
	var base func(OffsetValue) int64
	var subscribed map[string]bool
	switch {
	case g.hasProtocolType && g.is(Empty):
		base = func(v OffsetValue) int64 {
			if g.hasStateTimestamp {
				return g.stateTimestamp
			}
			return v.CommitTimestamp
		}
	case g.hasProtocolType && g.protocolType == consumerProtocolType && g.subscribedKnown:
		base = func(v OffsetValue) int64 { return v.CommitTimestamp }
		subscribed = g.subscribed
	case !g.hasProtocolType:
		base = func(v OffsetValue) int64 { return v.CommitTimestamp }
	default:
		return nil
	}
	var expired []topicPartition
	for _, tp := range sortedPartitions(g.offsets) {
		v := g.offsets[tp]
		if subscribed[tp.topic] {
			continue
		}
		if _, ok := g.pendingCommits[tp]; ok {
			continue
		}
		if v.ExpireTimestamp == noTimestamp {
			if now-base(v) < retention {
				continue
			}
		} else if now < v.ExpireTimestamp {
			continue
		}
		expired = append(expired, tp)
	}
	for _, tp := range expired {
		delete(g.offsets, tp)
	}
	return expired
}

// PartitionsDeleted drops the committed offsets of deleted partitions of topic from every
// group of the shard and tombstones them (GroupCoordinator.handleDeletedPartitions, which
// Kafka runs when an UpdateMetadata request reports deleted topics). An Empty group left
// without offsets is removed as after any cleanup.
func (s *Shard) PartitionsDeleted(now time.Time, topic string, partitions []int32) Effects {
	s.begin(now)
	if s.status != shardActive || len(partitions) == 0 {
		return s.end()
	}
	tps := make([]topicPartition, 0, len(partitions))
	for _, p := range partitions {
		tps = append(tps, topicPartition{topic, p})
	}
	n := s.cleanupGroups(s.sortedGroups(), func(g *group) []topicPartition { return g.removeOffsets(tps) })
	s.log.Infof("Removed %d offsets associated with deleted partitions of %s: %v.", n, topic, partitions)
	return s.end()
}
