package chaos

import (
	"sync"
	"time"
)

// OpType is what a client operation did.
type OpType int

// The operations of the queue workload.
const (
	Send OpType = iota
	Poll
)

func (t OpType) String() string {
	if t == Send {
		return "send"
	}
	return "poll"
}

// Outcome is how an operation completed, in Jepsen's terms.
type Outcome int

const (
	// OK: the operation definitely happened (a send was acknowledged).
	OK Outcome = iota
	// Fail: the operation definitely did not happen.
	Fail
	// Info: indeterminate (timeout, disconnect, leader change): a send may
	// or may not have been written.
	Info
)

// Mode is how a consumer got its partitions.
type Mode int

const (
	// Assign: partitions assigned by the client itself.
	Assign Mode = iota
	// Subscribe: partitions given by a consumer group, which may move them.
	Subscribe
)

// Msg is one record as a poll saw it, or as a send's acknowledgement
// placed it.
type Msg struct {
	Key    int32 // the partition
	Offset int64
	Value  int64
}

// Op is one completed client operation.
type Op struct {
	// Process identifies one producer or consumer instance; a client that
	// is recreated after an error becomes a new process, as in Jepsen.
	Process int
	Type    OpType
	Outcome Outcome
	// Mode and Epoch describe the consumer of a poll: Epoch changes at
	// every assignment or rebalance, so successive polls are only compared
	// within one epoch.
	Mode  Mode
	Epoch int
	// Send holds the sent value and, when OK, the acknowledged offset;
	// Polled holds what a poll returned, in the order returned.
	Send   Msg
	Polled []Msg
	Time   time.Time
	Err    string
}

// History is the ordered record of operations, safe for concurrent use.
type History struct {
	mu  sync.Mutex
	ops []Op
}

// Add appends op.
func (h *History) Add(op Op) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Ops returns a copy of the operations so far.
func (h *History) Ops() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Op(nil), h.ops...)
}
