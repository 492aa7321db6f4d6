package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/broker/group"
	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// groupCoordinator runs the group package's shards (one per
// __consumer_offsets partition this broker leads) and carries out their
// effects: appends to __consumer_offsets, replies to parked requests,
// timers. A shard is created and loaded from its partition's log when
// LeaderAndIsr makes us leader of the partition, and unloaded when we stop
// leading it (Kafka's GroupCoordinator.onElection/onResignation).
type groupCoordinator struct {
	s   *Server
	cfg group.Config
	log *logrus.Entry

	mu     sync.Mutex
	shards map[int32]*hostedShard

	waiters struct {
		sync.Mutex
		next uint64
		m    map[group.Waiter]chan kmsg.Response
	}
}

// hostedShard is one shard behind its mutex. shard is nil once unloaded;
// late timers and append completions then drop their events.
type hostedShard struct {
	gc        *groupCoordinator
	partition int32

	mu     sync.Mutex
	shard  *group.Shard
	timers map[group.TimerKey]*time.Timer // by Group, Kind, Member (Seq zeroed)
}

func newGroupCoordinator(s *Server, log *logrus.Entry) *groupCoordinator {
	cfg := group.DefaultConfig()
	cfg.NumPartitions = s.cfg.OffsetsTopic.NumPartitions
	cfg.MinSessionTimeout = s.cfg.Group.MinSessionTimeout
	cfg.MaxSessionTimeout = s.cfg.Group.MaxSessionTimeout
	cfg.InitialRebalanceDelay = s.cfg.Group.InitialRebalanceDelay
	if g := s.cfg.Group; g.MaxSize > 0 {
		cfg.MaxSize = g.MaxSize
	}
	if g := s.cfg.Group; g.OffsetsRetention > 0 {
		cfg.OffsetsRetention = g.OffsetsRetention
	}
	if g := s.cfg.Group; g.OffsetsRetentionCheckInterval > 0 {
		cfg.OffsetsRetentionCheckInterval = g.OffsetsRetentionCheckInterval
	}
	if g := s.cfg.Group; g.OffsetMetadataMaxBytes > 0 {
		cfg.MaxMetadataSize = g.OffsetMetadataMaxBytes
	}
	gc := &groupCoordinator{s: s, cfg: cfg, log: log, shards: map[int32]*hostedShard{}}
	gc.waiters.m = map[group.Waiter]chan kmsg.Response{}
	return gc
}

// onLeader starts loading the shard of a __consumer_offsets partition we
// now lead; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS.
func (gc *groupCoordinator) onLeader(p *partition) {
	hs := &hostedShard{gc: gc, partition: p.tp.Partition, timers: map[group.TimerKey]*time.Timer{}}
	hs.shard = group.NewShard(p.tp.Partition, gc.cfg, gc.log)
	gc.mu.Lock()
	if _, hosted := gc.shards[p.tp.Partition]; hosted {
		// A new leader epoch while we lead already: keep the shard, as
		// Kafka skips partitions it owns.
		gc.mu.Unlock()
		return
	}
	gc.shards[p.tp.Partition] = hs
	gc.mu.Unlock()
	gc.log.Infof("Scheduling loading of offsets and group metadata from %s-%d", offsetsTopic, p.tp.Partition)
	if !gc.s.goAttach(func() { hs.load(p) }) {
		hs.unload()
	}
}

// onResign unloads the shard of a partition we no longer lead.
func (gc *groupCoordinator) onResign(partition int32) {
	gc.mu.Lock()
	hs := gc.shards[partition]
	delete(gc.shards, partition)
	gc.mu.Unlock()
	if hs != nil {
		gc.log.Infof("Scheduling unloading of offsets and group metadata from %s-%d", offsetsTopic, partition)
		hs.unload()
	}
}

// closeAll unloads every shard (shutdown).
func (gc *groupCoordinator) closeAll() {
	gc.mu.Lock()
	var all []*hostedShard
	for _, hs := range gc.shards {
		all = append(all, hs)
	}
	gc.shards = map[int32]*hostedShard{}
	gc.mu.Unlock()
	for _, hs := range all {
		hs.unload()
	}
}

func (gc *groupCoordinator) shard(partition int32) *hostedShard {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	return gc.shards[partition]
}

// load reads the partition up to its log end into a Loader, then activates
// the shard (GroupMetadataManager.loadGroupsAndOffsets).
func (hs *hostedShard) load(p *partition) {
	start := time.Now()
	loader := group.NewLoader()
	err := readGroupRecords(p, func(key, value []byte) {
		if err := loader.Add(key, value); err != nil {
			hs.gc.log.Warnf("Skipping a corrupt record of %s-%d: %v", offsetsTopic, hs.partition, err)
		}
	})
	if err != nil {
		hs.gc.log.Errorf("Error loading offsets from %s-%d: %v", offsetsTopic, hs.partition, err)
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.shard == nil {
		return
	}
	hs.carryOut(hs.shard.Load(time.Now(), loader))
	hs.gc.log.Infof("Finished loading offsets and group metadata from %s-%d in %d milliseconds.", offsetsTopic, hs.partition, time.Since(start).Milliseconds())
}

// readGroupRecords calls fn for every record of the partition below its log
// end, skipping control and transactional batches. The log end, not the high
// watermark, as Kafka's loader reads (FetchLogEnd): a new leader's high
// watermark lags until its followers fetch again, and the offset commits
// between it and the log end were acknowledged to consumers by the old
// leader once every ISR member had them. Stopping at the high watermark lost
// them and the group re-consumed from older offsets.
func readGroupRecords(p *partition, fn func(key, value []byte)) error {
	offset, end := p.log.LogStartOffset(), p.log.LogEndOffset()
	for offset < end {
		recs, err := p.log.Read(offset, end, 1<<20, true)
		if err != nil {
			return err
		}
		buf, err := recs.AppendTo(nil)
		recs.Release()
		if err != nil {
			return err
		}
		if len(buf) == 0 {
			return nil
		}
		for len(buf) > 0 {
			h, err := protocol.ParseBatchHeader(buf)
			if err != nil {
				return err
			}
			if h.Size() > len(buf) {
				return fmt.Errorf("broker: batch at %d truncated", h.BaseOffset)
			}
			if !h.Control() && !h.Transactional() {
				if err := protocol.ForEachRecord(buf[:h.Size()], func(r protocol.Record) error {
					fn(r.Key, r.Value)
					return nil
				}); err != nil {
					return err
				}
			}
			offset = h.LastOffset() + 1
			buf = buf[h.Size():]
		}
	}
	return nil
}

// unload drops the shard, answering its parked requests.
func (hs *hostedShard) unload() {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.shard == nil {
		return
	}
	hs.carryOut(hs.shard.Unload(time.Now()))
	hs.shard = nil
	for k, t := range hs.timers {
		t.Stop()
		delete(hs.timers, k)
	}
}

// carryOut performs a shard's effects in order: appends, replies, timers.
// REQUIRES: hs.mu held (appends must reach the log in the shard's order).
func (hs *hostedShard) carryOut(fx group.Effects) {
	for _, a := range fx.Appends {
		hs.appendLocked(a)
	}
	for _, r := range fx.Replies {
		hs.gc.deliver(r.To, r.Response)
	}
	for _, t := range fx.Timers {
		hs.armLocked(t)
	}
}

// appendLocked appends one batch to __consumer_offsets; for acks -1 the
// wait for the high watermark happens outside the mutex.
// REQUIRES: hs.mu held.
func (hs *hostedShard) appendLocked(a group.Append) {
	s := hs.gc.s
	done := func(err error) {
		if a.Acks == 0 {
			return
		}
		var ke *kerr.Error
		if err != nil {
			ke = errorFor(err)
		}
		if hs.shard != nil {
			hs.carryOut(hs.shard.AppendDone(time.Now(), a.ID, kerrOrNil(ke)))
		}
	}
	recs := make([]protocol.Record, len(a.Records))
	for i, r := range a.Records {
		recs[i] = protocol.Record{OffsetDelta: int32(i), Key: r.Key, Value: r.Value}
	}
	ts := a.Timestamp.UnixMilli()
	batch, err := protocol.AppendBatch(nil, protocol.BatchHeader{
		LastOffsetDelta: int32(len(recs) - 1), FirstTimestamp: ts, MaxTimestamp: ts,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: int32(len(recs)),
	}, recs, compress.Codec(0))
	if err != nil {
		done(err)
		return
	}
	part, ok := s.parts.get(storage.TopicPartition{Topic: offsetsTopic, Partition: a.Partition})
	if !ok {
		done(kerr.NotLeaderForPartition)
		return
	}
	acks := a.Acks
	if acks == 0 {
		acks = 1
	}
	res, err := part.appendAsLeader(batch, acks, a.Timestamp)
	if err != nil || a.Acks != -1 {
		done(err)
		return
	}
	required := res.LastOffset + 1
	wait := func() {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
		defer cancel()
		ok := waitUntil(ctx, time.Now().Add(s.cfg.RequestTimeout), []*waitList{&part.changed}, func() bool {
			snap := part.snapshot()
			return snap.stopped || snap.hw >= required
		})
		var err error
		switch snap := part.snapshot(); {
		case snap.stopped:
			err = kerr.NotLeaderForPartition
		case !ok:
			err = kerr.RequestTimedOut
		}
		hs.mu.Lock()
		defer hs.mu.Unlock()
		done(err)
	}
	if !s.goAttach(wait) {
		done(kerr.NotLeaderForPartition)
	}
}

// kerrOrNil keeps a nil *kerr.Error from becoming a non-nil error.
func kerrOrNil(e *kerr.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// armLocked arms a timer, replacing the one for the same thing.
// REQUIRES: hs.mu held.
func (hs *hostedShard) armLocked(t group.Timer) {
	id := t.Key
	id.Seq = 0
	if old := hs.timers[id]; old != nil {
		old.Stop()
	}
	key := t.Key
	hs.timers[id] = time.AfterFunc(time.Until(t.At), func() {
		hs.gc.s.goAttach(func() {
			hs.mu.Lock()
			defer hs.mu.Unlock()
			if hs.shard != nil {
				hs.carryOut(hs.shard.TimerFired(time.Now(), key))
			}
		})
	})
}

// deliver completes a parked request.
func (gc *groupCoordinator) deliver(w group.Waiter, resp kmsg.Response) {
	gc.waiters.Lock()
	ch := gc.waiters.m[w]
	gc.waiters.Unlock()
	if ch != nil {
		select {
		case ch <- resp:
		default:
		}
	}
}

// call hands msg to the shard of partition and waits for its reply.
// notHosted answers when we do not lead the partition.
func (gc *groupCoordinator) call(ctx context.Context, c *conn, partition int32, msg kmsg.Request, notHosted func() kmsg.Response) (kmsg.Response, error) {
	hs := gc.shard(partition)
	if hs == nil {
		return notHosted(), nil
	}
	ch := make(chan kmsg.Response, 1)
	gc.waiters.Lock()
	gc.waiters.next++
	w := group.Waiter(gc.waiters.next)
	gc.waiters.m[w] = ch
	gc.waiters.Unlock()
	defer func() {
		gc.waiters.Lock()
		delete(gc.waiters.m, w)
		gc.waiters.Unlock()
	}()
	host := c.clientAddr()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	hs.mu.Lock()
	if hs.shard == nil {
		hs.mu.Unlock()
		return notHosted(), nil
	}
	hs.carryOut(hs.shard.Handle(time.Now(), group.Request{
		Waiter: w, ClientID: c.clientID, ClientHost: "/" + host, Msg: msg,
		PartitionExists: func(topic string, p int32) bool {
			_, ok := gc.s.meta.partition(storage.TopicPartition{Topic: topic, Partition: p})
			return ok
		},
	}))
	hs.mu.Unlock()
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("broker: waiting for the group coordinator: %w", ctx.Err())
	}
}

// partitionFor is the __consumer_offsets partition of a group.
func (gc *groupCoordinator) partitionFor(groupID string) int32 {
	return group.PartitionFor(groupID, gc.cfg.NumPartitions)
}

// errorIs reports whether err is the Kafka error target.
func errorIs(err error, target *kerr.Error) bool { return errors.Is(err, target) }

// notCoordinator is the code of a group request for a group whose
// partition we do not lead.
func notCoordinator() int16 { return kerr.NotCoordinator.Code }

// splitByPartition groups the ids of a multi-group request (DescribeGroups,
// DeleteGroups) by their __consumer_offsets partition, each partition's shard
// answering its part; order lists the partitions as they first appear.
func (gc *groupCoordinator) splitByPartition(groups []string) (order []int32, byPart map[int32][]string) {
	byPart = map[int32][]string{}
	for _, g := range groups {
		p := gc.partitionFor(g)
		if _, ok := byPart[p]; !ok {
			order = append(order, p)
		}
		byPart[p] = append(byPart[p], g)
	}
	return order, byPart
}
