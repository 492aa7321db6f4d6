package group

import (
	"fmt"
	"sort"
	"time"
)

// Loader replays the records of one __consumer_offsets partition, oldest first, the way
// GroupMetadataManager.doLoadGroupsAndOffsets does: the last value of a key wins and a
// tombstone deletes it. The caller reads the partition's log from its start to its end and
// hands every record of every non-control, non-transactional batch to Add, then passes the
// Loader to Shard.Load. (Transactional offset commits are not supported.)
type Loader struct {
	offsets map[string]map[topicPartition]OffsetValue
	groups  map[string]GroupValue
	removed map[string]bool
}

// NewLoader returns an empty Loader.
func NewLoader() *Loader {
	return &Loader{
		offsets: map[string]map[topicPartition]OffsetValue{},
		groups:  map[string]GroupValue{},
		removed: map[string]bool{},
	}
}

// Add replays one record; a nil value is a tombstone. An error wraps ErrCorruptRecord and
// leaves the Loader as it was. (Kafka abandons the whole load on such a record and serves
// the partition empty; callers should rather log the error and go on.)
func (l *Loader) Add(key, value []byte) error {
	if key == nil {
		return fmt.Errorf("%w: record without key", ErrCorruptRecord)
	}
	k, err := DecodeKey(key)
	if err != nil {
		return err
	}
	if k.IsOffset() {
		tp := topicPartition{k.Topic, k.Partition}
		if value == nil {
			if m := l.offsets[k.Group]; m != nil {
				delete(m, tp)
				if len(m) == 0 {
					delete(l.offsets, k.Group)
				}
			}
			return nil
		}
		v, err := DecodeOffsetValue(value)
		if err != nil {
			return fmt.Errorf("group %q %s-%d: %w", k.Group, k.Topic, k.Partition, err)
		}
		m := l.offsets[k.Group]
		if m == nil {
			m = map[topicPartition]OffsetValue{}
			l.offsets[k.Group] = m
		}
		m[tp] = v
		return nil
	}
	if value == nil {
		delete(l.groups, k.Group)
		l.removed[k.Group] = true
		return nil
	}
	v, err := DecodeGroupValue(value)
	if err != nil {
		return fmt.Errorf("group %q: %w", k.Group, err)
	}
	delete(l.removed, k.Group)
	l.groups[k.Group] = v
	return nil
}

// LoadedGroup is one group as replayed: its last metadata (nil if it only has offsets)
// and its offsets sorted by topic and partition.
type LoadedGroup struct {
	ID       string
	Metadata *GroupValue
	Offsets  []LoadedOffset
}

// LoadedOffset is one committed offset of a LoadedGroup.
type LoadedOffset struct {
	Topic     string
	Partition int32
	Value     OffsetValue
}

// Groups returns the replayed groups sorted by id.
func (l *Loader) Groups() []LoadedGroup {
	ids := map[string]bool{}
	for id := range l.groups {
		ids[id] = true
	}
	for id := range l.offsets {
		ids[id] = true
	}
	out := make([]LoadedGroup, 0, len(ids))
	for id := range ids {
		lg := LoadedGroup{ID: id}
		if v, ok := l.groups[id]; ok {
			lg.Metadata = &v
		}
		offs := l.offsets[id]
		for _, tp := range sortedPartitions(offs) {
			lg.Offsets = append(lg.Offsets, LoadedOffset{Topic: tp.topic, Partition: tp.partition, Value: offs[tp]})
		}
		out = append(out, lg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Load installs the replayed groups and starts serving (the end of
// GroupCoordinator.onElection): loaded members get a fresh session, a group over
// group.max.size starts a rebalance, and the periodic offset expiration is armed.
func (s *Shard) Load(now time.Time, l *Loader) Effects {
	s.begin(now)
	if s.status != shardLoading {
		return s.end()
	}
	for _, lg := range l.Groups() {
		if _, exists := s.groups[lg.ID]; exists {
			continue // a cached group wins over the log, as in Kafka
		}
		var g *group
		if lg.Metadata != nil {
			g = loadGroup(lg.ID, *lg.Metadata, s.now)
		} else {
			g = newGroup(lg.ID, s.now)
		}
		for _, o := range lg.Offsets {
			g.offsets[topicPartition{o.Topic, o.Partition}] = o.Value
		}
		s.groups[g.id] = g
		s.log.WithField("group", g.id).Infof("Loading group metadata for %s with generation %d", g.id, g.generation)
		if g.size() > s.cfg.MaxSize {
			s.prepareRebalance(g, "Freshly-loaded group is over capacity. Rebalancing in order to give a chance for consumers to commit offsets")
		}
		for _, m := range g.members {
			s.scheduleHeartbeat(g, m, int64(m.sessionTimeout))
		}
	}
	s.status = shardActive
	s.timer(TimerKey{Kind: TimerExpireOffsets, Seq: s.nextSeq()}, s.now+s.cfg.OffsetsRetentionCheckInterval.Milliseconds())
	return s.end()
}

// loadGroup is GroupMetadata.loadGroup over a decoded record.
func loadGroup(id string, v GroupValue, now int64) *group {
	g := newGroup(id, now)
	if len(v.Members) > 0 {
		g.state = Stable
	}
	g.generation = v.Generation
	if v.ProtocolType != "" {
		g.protocolType, g.hasProtocolType = v.ProtocolType, true
	}
	if v.Protocol != nil {
		g.protocol, g.hasProtocol = *v.Protocol, true
	}
	if v.Leader != nil {
		g.leader = *v.Leader
	}
	// Kafka 2.4.1 reads current_state_timestamp only from version 2 values, so groups
	// written as version 3 come back without one (their Empty-group offsets then expire
	// from their commit time). Reproduced as is.
	g.stateTimestamp, g.hasStateTimestamp = 0, false
	if v.Version == 2 && v.CurrentStateTimestamp != -1 {
		g.stateTimestamp, g.hasStateTimestamp = v.CurrentStateTimestamp, true
	}
	for _, mv := range v.Members {
		m := &member{
			id:               mv.MemberID,
			instanceID:       mv.InstanceID,
			clientID:         mv.ClientID,
			clientHost:       mv.ClientHost,
			rebalanceTimeout: mv.RebalanceTimeout,
			sessionTimeout:   mv.SessionTimeout,
			protocolType:     v.ProtocolType,
			protocols:        []protocol{{name: g.protocol, metadata: mv.Subscription}},
			assignment:       mv.Assignment,
		}
		g.add(m, nil)
		if m.isStatic() {
			g.static[*m.instanceID] = m.id
		}
	}
	g.computeSubscribedTopics()
	return g
}
