package broker

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

// fetcherManager runs one replica fetcher per leader broker (Kafka's
// ReplicaFetcherManager with num.replica.fetchers=1). Followers fetch with
// Fetch v11 and their broker id as replica id, append what they get as is
// and take the leader's high watermark.
//
// A new follower first finds where its log diverges from the leader's with
// OffsetForLeaderEpoch (KIP-101/279). Simplified (see DESIGN.md):
// out-of-range fetches truncate to the leader's high watermark or restart
// at its log start.
type fetcherManager struct {
	s   *Server
	log *logrus.Entry

	mu       sync.Mutex
	fetchers map[int32]*replicaFetcher // by leader id
}

func newFetcherManager(s *Server, log *logrus.Entry) *fetcherManager {
	return &fetcherManager{s: s, log: log, fetchers: map[int32]*replicaFetcher{}}
}

// replicaFetcher fetches the partitions this broker follows from one leader.
type replicaFetcher struct {
	m      *fetcherManager
	leader int32
	log    *logrus.Entry
	wake   chan struct{} // partitions added

	mu    sync.Mutex
	parts map[storage.TopicPartition]*partition
}

// add makes p fetch from leader (and from no other leader).
func (m *fetcherManager) add(leader int32, p *partition) {
	m.remove(p.tp)
	if m.s.deps.Transport == nil {
		m.log.Warnf("No transport to fetch %s-%d from broker %d: replication is not wired", p.tp.Topic, p.tp.Partition, leader)
		return
	}
	m.mu.Lock()
	f, ok := m.fetchers[leader]
	if !ok {
		f = &replicaFetcher{
			m: m, leader: leader, wake: make(chan struct{}, 1),
			parts: map[storage.TopicPartition]*partition{},
			log: m.log.WithFields(logrus.Fields{
				"prefix": fmt.Sprintf("[ReplicaFetcher replicaId=%d, leaderId=%d, fetcherId=0]", m.s.cfg.BrokerID, leader),
				"logger": "kafka.server.ReplicaFetcherThread",
			}),
		}
		if !m.s.goAttach(f.run) {
			m.mu.Unlock()
			return
		}
		m.fetchers[leader] = f
	}
	m.mu.Unlock()
	f.mu.Lock()
	f.parts[p.tp] = p
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// remove stops fetching tp.
func (m *fetcherManager) remove(tp storage.TopicPartition) {
	m.mu.Lock()
	fs := make([]*replicaFetcher, 0, len(m.fetchers))
	for _, f := range m.fetchers {
		fs = append(fs, f)
	}
	m.mu.Unlock()
	for _, f := range fs {
		f.mu.Lock()
		delete(f.parts, tp)
		f.mu.Unlock()
	}
}

func (f *replicaFetcher) snapshot() []*partition {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*partition, 0, len(f.parts))
	for _, p := range f.parts {
		out = append(out, p)
	}
	return out
}

func (f *replicaFetcher) run() {
	s := f.m.s
	backoff := s.cfg.Replication.FetchBackoff
	for {
		parts := f.snapshot()
		if len(parts) == 0 {
			select {
			case <-f.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		sent, err := f.fetchOnce(parts)
		if err != nil {
			f.log.Infof("Error sending fetch request to broker %d: %v", f.leader, err)
		}
		if err != nil || !sent {
			// Nothing to fetch yet (partitions moving) or a failure: do
			// not spin.
			select {
			case <-time.After(backoff):
			case <-f.wake:
			case <-s.ctx.Done():
				return
			}
		}
		if s.ctx.Err() != nil {
			return
		}
	}
}

// leaderAddr is the leader's endpoint on the inter-broker listener.
func (f *replicaFetcher) leaderAddr() (string, error) {
	b, ok := f.m.s.meta.broker(f.leader)
	if !ok {
		return "", fmt.Errorf("broker: leader %d is not a live broker in the metadata cache", f.leader)
	}
	ep, ok := b.endpoints[f.m.s.cfg.InterBrokerListener]
	if !ok {
		return "", fmt.Errorf("broker: leader %d has no endpoint for listener %s", f.leader, f.m.s.cfg.InterBrokerListener)
	}
	return net.JoinHostPort(ep.host, strconv.Itoa(int(ep.port))), nil
}

// fetchOnce sends one Fetch for parts and applies the answer.
// fetchOnce reports whether a fetch was sent.
func (f *replicaFetcher) fetchOnce(parts []*partition) (bool, error) {
	s := f.m.s
	addr, err := f.leaderAddr()
	if err != nil {
		return false, err
	}
	if err := f.truncate(addr, parts); err != nil {
		return false, err
	}
	cfg := s.cfg.Replication
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(11)
	req.ReplicaID = s.cfg.BrokerID
	req.MaxWaitMillis = int32(cfg.FetchWaitMax / time.Millisecond)
	req.MinBytes, req.MaxBytes = cfg.FetchMinBytes, cfg.FetchResponseMaxBytes
	req.SessionID, req.SessionEpoch = 0, -1 // sessionless (full) fetches
	type sent struct {
		p     *partition
		epoch int32
		off   int64
	}
	byTP := map[storage.TopicPartition]sent{}
	topics := map[string]int{}
	for _, p := range parts {
		epoch, leader, ok := p.followerOf()
		if !ok || leader != f.leader {
			continue
		}
		if _, _, truncating, _ := p.truncationTarget(); truncating {
			continue
		}
		off := p.log.LogEndOffset()
		byTP[p.tp] = sent{p, epoch, off}
		i, ok := topics[p.tp.Topic]
		if !ok {
			i = len(req.Topics)
			topics[p.tp.Topic] = i
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = p.tp.Topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.CurrentLeaderEpoch, rp.FetchOffset = p.tp.Partition, epoch, off
		rp.LogStartOffset, rp.PartitionMaxBytes = p.log.LogStartOffset(), cfg.FetchMaxBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	if len(req.Topics) == 0 {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout+cfg.FetchWaitMax)
	defer cancel()
	kresp, err := s.deps.Transport.RoundTrip(ctx, addr, req)
	if err != nil {
		return true, err
	}
	resp, ok := kresp.(*kmsg.FetchResponse)
	if !ok {
		return true, fmt.Errorf("broker: fetch answered with %T", kresp)
	}
	if resp.ErrorCode != 0 {
		return true, kerr.ErrorForCode(resp.ErrorCode)
	}
	var failed error
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			tp := storage.TopicPartition{Topic: rt.Topic, Partition: rp.Partition}
			st, ok := byTP[tp]
			if !ok {
				continue
			}
			if err := f.apply(st.p, st.epoch, st.off, rp); err != nil {
				failed = err
			}
		}
	}
	return true, failed
}

// truncate finds, for the partitions in the truncating state, where their
// logs diverge from the leader's (OffsetForLeaderEpoch v3) and truncates.
func (f *replicaFetcher) truncate(addr string, parts []*partition) error {
	s := f.m.s
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.SetVersion(3)
	req.ReplicaID = s.cfg.BrokerID
	type asked struct {
		p       *partition
		current int32
	}
	byTP := map[storage.TopicPartition]asked{}
	topics := map[string]int{}
	for _, p := range parts {
		current, latest, truncating, ok := p.truncationTarget()
		if !truncating {
			continue
		}
		if !ok {
			// No leader epochs (an empty or pre-epoch log): the high
			// watermark is all we know to be on the leader.
			if err := p.truncateFromLeader(current, -1, -1); err != nil {
				return err
			}
			continue
		}
		byTP[p.tp] = asked{p, current}
		i, seen := topics[p.tp.Topic]
		if !seen {
			i = len(req.Topics)
			topics[p.tp.Topic] = i
			rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
			rt.Topic = p.tp.Topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		rp.Partition, rp.CurrentLeaderEpoch, rp.LeaderEpoch = p.tp.Partition, current, latest
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	if len(req.Topics) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
	defer cancel()
	kresp, err := s.deps.Transport.RoundTrip(ctx, addr, req)
	if err != nil {
		return err
	}
	resp, ok := kresp.(*kmsg.OffsetForLeaderEpochResponse)
	if !ok {
		return fmt.Errorf("broker: OffsetForLeaderEpoch answered with %T", kresp)
	}
	var failed error
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			a, ok := byTP[storage.TopicPartition{Topic: rt.Topic, Partition: rp.Partition}]
			if !ok {
				continue
			}
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				failed = fmt.Errorf("broker: OffsetForLeaderEpoch of %s-%d: %w", rt.Topic, rp.Partition, err)
				continue
			}
			f.log.Infof("Truncating partition %s-%d against leader epoch %d end offset %d", rt.Topic, rp.Partition, rp.LeaderEpoch, rp.EndOffset)
			if err := a.p.truncateFromLeader(a.current, rp.LeaderEpoch, rp.EndOffset); err != nil {
				failed = err
			}
		}
	}
	return failed
}

// apply handles one partition of a fetch response.
func (f *replicaFetcher) apply(p *partition, epoch int32, offset int64, rp kmsg.FetchResponseTopicPartition) error {
	switch err := kerr.ErrorForCode(rp.ErrorCode); {
	case err == nil:
		return p.appendAsFollower(epoch, offset, rp.RecordBatches, rp.HighWatermark, rp.LogStartOffset)
	case err == kerr.OffsetOutOfRange:
		f.log.Warnf("Partition %s-%d: fetch offset %d is out of range (leader log start %d, high watermark %d)",
			p.tp.Topic, p.tp.Partition, offset, rp.LogStartOffset, rp.HighWatermark)
		return p.handleOutOfRange(epoch, rp.HighWatermark, rp.LogStartOffset)
	default:
		// NOT_LEADER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC...: the
		// controller's next LeaderAndIsr settles it; back off meanwhile.
		return fmt.Errorf("broker: partition %s-%d: %w", p.tp.Topic, p.tp.Partition, err)
	}
}
