package group

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// shardStatus is where a shard is in its life as leader of its partition.
type shardStatus uint8

const (
	shardLoading  shardStatus = iota // partition being replayed: COORDINATOR_LOAD_IN_PROGRESS
	shardActive                      // serving
	shardUnloaded                    // no longer leader: NOT_COORDINATOR
)

// Shard is the group coordinator state of one __consumer_offsets partition: the groups
// that partition owns, their members, rebalances and committed offsets. It does no I/O,
// starts no goroutines and reads no clock: every call takes the current time and returns
// the Effects the caller must carry out. A Shard is not safe for concurrent use; the caller
// serialises calls (one mutex per shard).
type Shard struct {
	partition int32
	cfg       Config
	log       *logrus.Entry
	status    shardStatus
	groups    map[string]*group
	seq       uint64 // timer sequence and append ids
	appends   map[uint64]pendingAppend

	// Per call.
	now     int64
	nowTime time.Time
	fx      Effects
}

// Request is one group request routed to the shard that owns its group.
type Request struct {
	// Waiter is echoed in the Reply answering this request.
	Waiter Waiter
	// ClientID and ClientHost come from the request header and the connection; Kafka
	// stores them per member (client host as InetAddress.toString, e.g. "/127.0.0.1").
	ClientID   string
	ClientHost string
	// Msg is the decoded request: *kmsg.JoinGroupRequest, SyncGroupRequest,
	// HeartbeatRequest, LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest,
	// DescribeGroupsRequest, ListGroupsRequest, DeleteGroupsRequest or OffsetDeleteRequest.
	// Multi-group requests (DescribeGroups, DeleteGroups) must hold only this shard's
	// groups; ListGroups lists this shard's groups. The caller merges per-shard answers.
	Msg kmsg.Request
	// PartitionExists tells whether a partition is in the metadata cache, for OffsetCommit
	// and OffsetDelete, which answer UNKNOWN_TOPIC_OR_PARTITION otherwise. Nil: all exist.
	// It is called synchronously and must not block.
	PartitionExists func(topic string, partition int32) bool
}

// NewShard returns the shard of partition, loading until Load is called.
func NewShard(partition int32, cfg Config, log *logrus.Entry) *Shard {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = logrus.NewEntry(l)
	}
	if cfg.NewUUID == nil {
		cfg.NewUUID = randomUUID
	}
	return &Shard{
		partition: partition,
		cfg:       cfg,
		log:       log.WithField("logger", "kafka.coordinator.group.GroupCoordinator"),
		groups:    map[string]*group{},
		appends:   map[uint64]pendingAppend{},
	}
}

// Partition returns the __consumer_offsets partition this shard serves.
func (s *Shard) Partition() int32 { return s.partition }

// Loaded reports whether Load was called and Unload was not.
func (s *Shard) Loaded() bool { return s.status == shardActive }

// State returns a group's state; false if the shard has no such group.
func (s *Shard) State(groupID string) (State, bool) {
	g, ok := s.groups[groupID]
	if !ok {
		return Dead, false
	}
	return g.state, true
}

func (s *Shard) begin(now time.Time) {
	s.nowTime = now
	s.now = now.UnixMilli()
	s.fx = Effects{}
}

func (s *Shard) end() Effects {
	fx := s.fx
	s.fx = Effects{}
	return fx
}

func (s *Shard) nextSeq() uint64 {
	s.seq++
	return s.seq
}

func (s *Shard) reply(w Waiter, resp kmsg.Response) {
	s.fx.Replies = append(s.fx.Replies, Reply{To: w, Response: resp})
}

func (s *Shard) timer(key TimerKey, atMs int64) {
	s.fx.Timers = append(s.fx.Timers, Timer{Key: key, At: time.UnixMilli(atMs)})
}

func (s *Shard) append(acks int16, recs []Record, p pendingAppend) {
	id := s.nextSeq()
	if acks != 0 {
		s.appends[id] = p
	}
	s.fx.Appends = append(s.fx.Appends, Append{
		ID: id, Partition: s.partition, Timestamp: s.nowTime, Acks: acks, Records: recs,
	})
}

// Handle processes one request.
func (s *Shard) Handle(now time.Time, req Request) Effects {
	s.begin(now)
	switch m := req.Msg.(type) {
	case *kmsg.JoinGroupRequest:
		s.handleJoinGroup(req, m)
	case *kmsg.SyncGroupRequest:
		s.handleSyncGroup(req, m)
	case *kmsg.HeartbeatRequest:
		s.handleHeartbeat(req, m)
	case *kmsg.LeaveGroupRequest:
		s.handleLeaveGroup(req, m)
	case *kmsg.OffsetCommitRequest:
		s.handleOffsetCommit(req, m)
	case *kmsg.OffsetFetchRequest:
		s.handleOffsetFetch(req, m)
	case *kmsg.DescribeGroupsRequest:
		s.handleDescribeGroups(req, m)
	case *kmsg.ListGroupsRequest:
		s.handleListGroups(req, m)
	case *kmsg.DeleteGroupsRequest:
		s.handleDeleteGroups(req, m)
	case *kmsg.OffsetDeleteRequest:
		s.handleOffsetDelete(req, m)
	default:
		panic(fmt.Sprintf("group: Handle called with %T, which is not a group request", req.Msg))
	}
	return s.end()
}

// validateGroupStatus is GroupCoordinator.validateGroupStatus; 0 when the request may
// proceed. allowEmpty is true for the APIs that accept the empty group id (OffsetCommit,
// OffsetFetch, DescribeGroups, DeleteGroups), kept for compatibility with old clients.
func (s *Shard) validateGroupStatus(groupID string, allowEmpty bool) int16 {
	switch {
	case groupID == "" && !allowEmpty:
		return kerr.InvalidGroupID.Code
	case s.status == shardLoading:
		return kerr.CoordinatorLoadInProgress.Code
	case s.status == shardUnloaded || PartitionFor(groupID, s.cfg.NumPartitions) != s.partition:
		return kerr.NotCoordinator.Code
	}
	return 0
}

// addGroup returns the existing group or a new Empty one.
func (s *Shard) addGroup(id string) *group {
	if g, ok := s.groups[id]; ok {
		return g
	}
	g := newGroup(id, s.now)
	s.groups[id] = g
	return g
}

// Unload ends the shard's leadership (GroupCoordinator.onResignation): every group becomes
// Dead and parked requests are answered NOT_COORDINATOR. Later calls answer NOT_COORDINATOR
// and timers and appends are ignored.
func (s *Shard) Unload(now time.Time) Effects {
	s.begin(now)
	ids := make([]string, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		g := s.groups[id]
		prev := g.state
		g.transitionTo(Dead, s.now)
		switch prev {
		case PreparingRebalance:
			for _, m := range g.members {
				if p := g.takeJoin(m); p != nil {
					s.replyJoin(p, joinError(m.id, kerr.NotCoordinator.Code))
				}
			}
		case Stable, CompletingRebalance:
			for _, m := range g.members {
				if p := g.takeSync(m); p != nil {
					s.replySync(p, nil, kerr.NotCoordinator.Code)
				}
			}
		}
		s.log.WithField("group", id).Infof("Unloading group metadata for %s with generation %d", id, g.generation)
	}
	// Commits whose append is still in flight would be answered by the append's
	// completion in Kafka (NOT_LEADER_FOR_PARTITION, mapped to NOT_COORDINATOR); the
	// shard is about to be dropped, so answer them now. Parked SyncGroups were answered
	// above.
	pending := make([]uint64, 0, len(s.appends))
	for id := range s.appends {
		pending = append(pending, id)
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i] < pending[j] })
	for _, id := range pending {
		if pa := s.appends[id]; pa.kind == appendOffsetCommit {
			s.commitStored(pa, kerr.NotLeaderForPartition.Code)
		}
	}
	s.groups = map[string]*group{}
	s.appends = map[uint64]pendingAppend{}
	s.status = shardUnloaded
	return s.end()
}

// TimerFired handles a timer armed by an earlier Effects.
func (s *Shard) TimerFired(now time.Time, key TimerKey) Effects {
	s.begin(now)
	if s.status != shardActive {
		return s.end()
	}
	if key.Kind == TimerExpireOffsets {
		s.expireOffsets()
		s.timer(TimerKey{Kind: TimerExpireOffsets, Seq: s.nextSeq()}, s.now+s.cfg.OffsetsRetentionCheckInterval.Milliseconds())
		return s.end()
	}
	g, ok := s.groups[key.Group]
	if !ok || g.is(Dead) {
		return s.end()
	}
	switch key.Kind {
	case TimerHeartbeat:
		s.heartbeatFired(g, key)
	case TimerPendingMember:
		s.pendingFired(g, key.Member)
	case TimerJoin:
		s.joinFired(g, key.Seq)
	}
	return s.end()
}

// sortedGroups returns the shard's groups by id, for deterministic responses and records.
func (s *Shard) sortedGroups() []*group {
	gs := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].id < gs[j].id })
	return gs
}
