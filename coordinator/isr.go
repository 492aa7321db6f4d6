package coordinator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"
)

// UpdateLeaderAndISR is the partition leader's compare-and-set of the state
// znode (ReplicationUtils.updateLeaderAndIsr): s is written if the znode's
// version is still s.ZkVersion. s.ControllerEpoch must be the epoch of the
// LeaderAndIsr that made this broker leader. On a version conflict the
// znode is read back: if it already holds exactly s (our earlier write
// whose answer was lost) the update counts as done; otherwise it fails with
// ErrBadVersion and the leader must wait for the controller.
func (n *Node) UpdateLeaderAndISR(ctx context.Context, tp TopicPartition, s PartitionState) (int32, error) {
	p := PartitionStatePath(tp.Topic, tp.Partition)
	st, err := n.z.Set(ctx, p, EncodePartitionState(s), s.ZkVersion)
	if err == nil {
		return st.Version, nil
	}
	if !errors.Is(err, ErrBadVersion) {
		return 0, fmt.Errorf("coordinator: update leader and isr of %s: %w", tp, err)
	}
	cur, rerr := n.z.PartitionState(ctx, tp)
	if rerr != nil {
		return 0, fmt.Errorf("coordinator: update leader and isr of %s: %w (read back: %v)", tp, err, rerr)
	}
	if cur.Leader == s.Leader && cur.LeaderEpoch == s.LeaderEpoch && cur.ControllerEpoch == s.ControllerEpoch && reflect.DeepEqual(cur.ISR, s.ISR) {
		return cur.ZkVersion, nil
	}
	return 0, fmt.Errorf("coordinator: update leader and isr of %s: znode at version %d holds leader %d epoch %d isr %v: %w",
		tp, cur.ZkVersion, cur.Leader, cur.LeaderEpoch, cur.ISR, ErrBadVersion)
}

// isrNotifier batches ISR changes into isr_change_ notifications like
// ReplicaManager.maybePropagateIsrChanges: checked every 2.5 s, written
// when no change came for 5 s or the last write is 60 s old.
type isrNotifier struct {
	mu struct {
		sync.Mutex
		pending    map[TopicPartition]bool
		lastChange time.Time
		lastWrite  time.Time
	}
}

const (
	isrChangeCheckInterval  = 2500 * time.Millisecond
	isrChangeQuietPeriod    = 5000 * time.Millisecond
	isrChangeMaxPropagDelay = 60000 * time.Millisecond
)

func (q *isrNotifier) init() {
	q.mu.pending = map[TopicPartition]bool{}
	q.mu.lastWrite = time.Now()
}

func (q *isrNotifier) run(n *Node) {
	t := time.NewTicker(isrChangeCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case now := <-t.C:
			q.mu.Lock()
			due := len(q.mu.pending) > 0 &&
				(now.Sub(q.mu.lastChange) > isrChangeQuietPeriod || now.Sub(q.mu.lastWrite) > isrChangeMaxPropagDelay)
			q.mu.Unlock()
			if due {
				ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
				if err := n.FlushISRChanges(ctx); err != nil {
					n.log.WithError(err).Warn("writing isr change notification failed; will retry")
				}
				cancel()
			}
		}
	}
}

// NotifyISRChange records partitions whose ISR this leader changed; they
// are announced to the controller in batches.
func (n *Node) NotifyISRChange(tps ...TopicPartition) {
	q := &n.isr
	q.mu.Lock()
	for _, tp := range tps {
		q.mu.pending[tp] = true
	}
	q.mu.lastChange = time.Now()
	q.mu.Unlock()
}

// FlushISRChanges writes the pending ISR changes now, as one
// persistent-sequential isr_change_ znode.
func (n *Node) FlushISRChanges(ctx context.Context) error {
	q := &n.isr
	q.mu.Lock()
	var tps []TopicPartition
	for tp := range q.mu.pending {
		tps = append(tps, tp)
	}
	q.mu.pending = map[TopicPartition]bool{}
	q.mu.Unlock()
	if len(tps) == 0 {
		return nil
	}
	sortTPs(tps)
	_, err := n.z.CreateRecursive(ctx, ISRChangeNotificationPath+"/"+ISRChangePrefix, EncodeISRChange(tps), ModePersistentSequential)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		for _, tp := range tps {
			q.mu.pending[tp] = true
		}
		return err
	}
	q.mu.lastWrite = time.Now()
	return nil
}

// producerIDBlockSize is ProducerIdManager.PidBlockSize.
const producerIDBlockSize = 1000

// NewProducerIDBlock claims the next block of 1000 producer ids
// (ProducerIdManager.getNewProducerIdBlock): read the latest block and its
// version, write the following block conditionally, retry on conflict.
func (n *Node) NewProducerIDBlock(ctx context.Context) (int64, int64, error) {
	for {
		data, st, err := n.z.Get(ctx, ProducerIDBlockPath)
		if errors.Is(err, ErrNoNode) {
			if err := n.z.EnsurePath(ctx, ProducerIDBlockPath); err != nil {
				return 0, 0, err
			}
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		next := ProducerIDBlock{Broker: n.cfg.BrokerID, Start: 0, End: producerIDBlockSize - 1}
		if len(data) > 0 {
			cur, err := DecodeProducerIDBlock(data)
			if err != nil {
				return 0, 0, err
			}
			if cur.End > math.MaxInt64-producerIDBlockSize {
				return 0, 0, fmt.Errorf("coordinator: have exhausted all producerIds")
			}
			next.Start, next.End = cur.End+1, cur.End+producerIDBlockSize
		}
		_, err = n.z.Set(ctx, ProducerIDBlockPath, EncodeProducerIDBlock(next), st.Version)
		if err == nil {
			return next.Start, next.End, nil
		}
		if !errors.Is(err, ErrBadVersion) {
			return 0, 0, err
		}
		// Lost a race (or our write's answer): check whether it was ours.
		data, _, err = n.z.Get(ctx, ProducerIDBlockPath)
		if err == nil {
			if cur, derr := DecodeProducerIDBlock(data); derr == nil && cur == next {
				return next.Start, next.End, nil
			}
		}
	}
}
