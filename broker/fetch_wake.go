package broker

// A parked Fetch is woken by every change of any of its partitions: an
// append, a high watermark advance, a leadership change. Most wakes cannot
// complete it: an append does not give a consumer anything before the high
// watermark moves, and a high watermark advance gives a follower nothing
// it has not fetched. Kafka's DelayedFetch.tryComplete therefore compares
// offsets and reads the log only when it completes; here a wake compares a
// fetchMark per partition with the one taken at the last read and reads all
// partitions again only when the end a reader of this kind sees has moved
// or the partition's state has changed. When only what the response
// reports changed (a follower's high watermark, say), the read is marked
// stale and redone once when the wait ends, so the response carries the
// offsets of that moment as Kafka's onComplete does.

// fetchMark is what a wake compares for one partition.
type fetchMark struct {
	part     *partition // nil: not hosted here
	isLeader bool
	epoch    int32
	hw       int64
	leo      int64
	logStart int64
}

// fetchMarks fills marks (reusing its storage) for parts.
func (s *Server) fetchMarks(parts []fetchPartition, marks []fetchMark) []fetchMark {
	if cap(marks) < len(parts) {
		marks = make([]fetchMark, 0, len(parts))
	}
	marks = marks[:0]
	for _, p := range parts {
		part, ok := s.parts.get(p.tp)
		if !ok {
			marks = append(marks, fetchMark{})
			continue
		}
		snap := part.snapshot()
		marks = append(marks, fetchMark{
			part: part, isLeader: snap.isLeader, epoch: snap.leaderEpoch, hw: snap.hw,
			leo: part.log.LogEndOffset(), logStart: part.log.LogStartOffset(),
		})
	}
	return marks
}

// fetchWake is what a wake found.
type fetchWake int

const (
	wakeNothing fetchWake = iota // nothing changed since the last read
	wakeStale                    // only offsets the response reports changed
	wakeRead                     // the fetch may complete: read again
)

// compareFetchMarks compares the marks of the last read with the current
// ones. A follower reads to the log end, a consumer to the high watermark.
func compareFetchMarks(last, now []fetchMark, follower bool) fetchWake {
	if len(last) != len(now) {
		return wakeRead
	}
	result := wakeNothing
	for i, a := range last {
		b := now[i]
		if !follower {
			// A consumer is neither given nor told the log end.
			a.leo, b.leo = 0, 0
		}
		if a == b {
			continue
		}
		if a.part != b.part || a.isLeader != b.isLeader || a.epoch != b.epoch || a.logStart != b.logStart {
			return wakeRead
		}
		if follower && a.leo != b.leo || !follower && a.hw != b.hw {
			return wakeRead
		}
		result = wakeStale
	}
	return result
}
