package group

import (
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Waiter identifies one in-flight request. The caller picks it (unique among its parked
// requests) and gets it back in the Reply that answers the request, which may come from a
// later call: JoinGroup and SyncGroup park until the rebalance moves on, OffsetCommit until
// its records are appended.
type Waiter uint64

// Effects is what the caller must carry out after each call, in order: appends first (each
// Append's replies come later through AppendDone), then replies, then timers.
type Effects struct {
	Replies []Reply
	Appends []Append
	Timers  []Timer
}

// Reply is a response for the request the caller registered as To. Response is encoded at
// the request's version.
type Reply struct {
	To       Waiter
	Response kmsg.Response
}

// Append asks the caller to append Records to __consumer_offsets partition Partition as one
// record batch (magic 2, CreateTime Timestamp, no compression unless configured) and to call
// AppendDone with ID once the append finished, or failed, with the required acks: -1 means
// after the high watermark passed the batch, 0 means fire and forget (tombstones: Kafka
// rewrites them on the next cleanup if lost), where AppendDone may be skipped.
type Append struct {
	ID        uint64
	Partition int32
	Timestamp time.Time
	Acks      int16
	Records   []Record
}

// Record is one __consumer_offsets record. A nil Value is a tombstone.
type Record struct {
	Key, Value []byte
}

// TimerKind says what a timer is for.
type TimerKind uint8

const (
	// TimerHeartbeat expires a member whose session (or new-member join) timeout ran out.
	TimerHeartbeat TimerKind = iota + 1
	// TimerPendingMember expires a member id handed out with MEMBER_ID_REQUIRED.
	TimerPendingMember
	// TimerJoin ends the JoinGroup phase of a rebalance (rebalance timeout or initial delay).
	TimerJoin
	// TimerExpireOffsets runs the periodic offset expiration of the shard.
	TimerExpireOffsets
)

func (k TimerKind) String() string {
	switch k {
	case TimerHeartbeat:
		return "heartbeat"
	case TimerPendingMember:
		return "pending"
	case TimerJoin:
		return "join"
	case TimerExpireOffsets:
		return "expire-offsets"
	}
	return "unknown"
}

// TimerKey names a timer. Seq is unique per shard. Group, Kind and Member together name the
// thing being timed: a newer timer for the same thing supersedes the older one, which the
// caller may stop; firing a superseded timer is harmless.
type TimerKey struct {
	Group  string
	Kind   TimerKind
	Member string
	Seq    uint64
}

// Timer asks the caller to call TimerFired with Key at or after At.
type Timer struct {
	Key TimerKey
	At  time.Time
}
