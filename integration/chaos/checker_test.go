package chaos

import (
	"testing"
)

func send(process int, key int32, offset, value int64) Op {
	return Op{Process: process, Type: Send, Outcome: OK, Send: Msg{Key: key, Offset: offset, Value: value}}
}

func sendInfo(process int, key int32, value int64) Op {
	return Op{Process: process, Type: Send, Outcome: Info, Send: Msg{Key: key, Offset: -1, Value: value}}
}

func poll(process, epoch int, mode Mode, msgs ...Msg) Op {
	return Op{Process: process, Type: Poll, Outcome: OK, Mode: mode, Epoch: epoch, Polled: msgs}
}

func m(key int32, offset, value int64) Msg { return Msg{Key: key, Offset: offset, Value: value} }

// TestCheck feeds Check hand-made histories, each exhibiting one anomaly
// (or none), and checks the anomalies found, their location and whether
// they are allowed under the settings.
func TestCheck(t *testing.T) {
	type want struct {
		kind    Kind
		key     int32
		offset  int64
		value   int64
		allowed bool
	}
	tests := []struct {
		name     string
		settings Settings
		ops      []Op
		want     []want
	}{
		{
			name:     "clean",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11), sendInfo(1, 0, 12), send(2, 1, 0, 20),
				poll(3, 0, Assign, m(0, 0, 10)), poll(3, 0, Assign, m(0, 1, 11), m(1, 0, 20)),
			},
		},
		{
			name:     "indeterminate send that was written is fine",
			settings: Safe(),
			ops: []Op{
				sendInfo(1, 0, 10), send(1, 0, 1, 11),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 11)),
			},
		},
		{
			name:     "lost write",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11), send(1, 0, 2, 12),
				poll(3, 0, Assign, m(0, 0, 10)), poll(4, 0, Assign, m(0, 2, 12)),
			},
			want: []want{{kind: LostWrite, key: 0, offset: 1, value: 11}},
		},
		{
			name:     "lost write allowed with acks=1",
			settings: Settings{MinISR: 2, Idempotent: true},
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(4, 0, Assign, m(0, 1, 11)),
			},
			want: []want{{kind: LostWrite, key: 0, offset: 0, value: 10, allowed: true}},
		},
		{
			name:     "lost write allowed with min.insync.replicas=1",
			settings: Settings{AcksAll: true, MinISR: 1, Idempotent: true},
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(4, 0, Assign, m(0, 1, 11)),
			},
			want: []want{{kind: LostWrite, key: 0, offset: 0, value: 10, allowed: true}},
		},
		{
			name:     "unseen beyond every poll",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(3, 0, Assign, m(0, 0, 10)),
			},
			want: []want{{kind: Unseen, key: 0, offset: 1, value: 11}},
		},
		{
			name:     "duplicate",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 10)),
			},
			want: []want{{kind: Duplicate, key: 0, offset: 0, value: 10}},
		},
		{
			name:     "duplicate allowed without idempotence",
			settings: Settings{AcksAll: true, MinISR: 2},
			ops: []Op{
				send(1, 0, 1, 10),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 10)),
			},
			want: []want{{kind: Duplicate, key: 0, offset: 0, value: 10, allowed: true}},
		},
		{
			name:     "inconsistent offsets",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(2, 0, 0, 20),
				poll(3, 0, Assign, m(0, 0, 10)), poll(4, 0, Assign, m(0, 0, 20)),
			},
			want: []want{{kind: InconsistentOffsets, key: 0, offset: 0, value: 10}},
		},
		{
			name:     "nonmonotonic send",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 1, 11), send(1, 0, 0, 10),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 11)),
			},
			want: []want{{kind: NonmonotonicSend, key: 0, offset: 0, value: 10}},
		},
		{
			name:     "sends of different producers interleave freely",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 1, 11), send(2, 0, 0, 10),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 11)),
			},
		},
		{
			name:     "nonmonotonic poll across polls",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 11)), poll(3, 0, Assign, m(0, 0, 10)),
			},
			want: []want{{kind: NonmonotonicPoll, key: 0, offset: 0, value: 10}},
		},
		{
			name:     "nonmonotonic poll allowed under subscribe",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(3, 0, Subscribe, m(0, 1, 11)), poll(3, 0, Subscribe, m(0, 0, 10)),
			},
			want: []want{{kind: NonmonotonicPoll, key: 0, offset: 0, value: 10, allowed: true}},
		},
		{
			name:     "rewind after reassignment is no anomaly",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 1, 11)), poll(3, 1, Assign, m(0, 0, 10)),
			},
		},
		{
			name:     "poll skip",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11), send(1, 0, 2, 12),
				poll(3, 0, Assign, m(0, 0, 10)), poll(3, 0, Assign, m(0, 2, 12)),
				poll(4, 0, Assign, m(0, 1, 11)),
			},
			want: []want{{kind: PollSkip, key: 0, offset: 2, value: 12}},
		},
		{
			name:     "poll skip within one poll",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11), send(1, 0, 2, 12),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 2, 12)),
				poll(4, 0, Assign, m(0, 1, 11)),
			},
			want: []want{{kind: PollSkip, key: 0, offset: 2, value: 12}},
		},
		{
			name:     "offset gap nobody filled is no skip",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 5, 12),
				poll(3, 0, Assign, m(0, 0, 10), m(0, 5, 12)),
			},
		},
		{
			name:     "poll skip allowed under subscribe",
			settings: Safe(),
			ops: []Op{
				send(1, 0, 0, 10), send(1, 0, 1, 11), send(1, 0, 2, 12),
				poll(3, 0, Subscribe, m(0, 0, 10), m(0, 2, 12)),
				poll(4, 0, Assign, m(0, 1, 11)),
			},
			want: []want{{kind: PollSkip, key: 0, offset: 2, value: 12, allowed: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, tt.settings)
			if len(r.Anomalies) != len(tt.want) {
				t.Fatalf("anomalies %v, want %d: %+v", r.Anomalies, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				a := r.Anomalies[i]
				if a.Kind != w.kind || a.Key != w.key || a.Offset != w.offset || a.Value != w.value || a.Allowed != w.allowed {
					t.Errorf("anomaly %d = %v, want %+v", i, a, w)
				}
			}
			if got, want := len(r.Failures()) == 0, func() bool {
				for _, w := range tt.want {
					if !w.allowed {
						return false
					}
				}
				return true
			}(); got != want {
				t.Errorf("no failures = %v, want %v", got, want)
			}
		})
	}
}
