package broker

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// idempotent returns a batch of n records from producer pid.
func idempotent(pid int64, epoch int16, seq int32, n int) []byte {
	b := makeBatch(n, 1)
	binary.BigEndian.PutUint64(b[43:], uint64(pid))
	binary.BigEndian.PutUint16(b[51:], uint16(epoch))
	binary.BigEndian.PutUint32(b[53:], uint32(seq))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func leaderPartition(t *testing.T, lg *fakeLog) *partition {
	t.Helper()
	p := newPartition(tpOf("x", 0), 1, lg, 0, 1)
	if err := p.loadProducers(); err != nil {
		t.Fatal(err)
	}
	if err := p.makeLeader(partitionState{leader: 1, leaderEpoch: 1, replicas: []int32{1}, isr: []int32{1}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProducerSequences(t *testing.T) {
	type step struct {
		pid       int64
		epoch     int16
		seq       int32
		n         int
		wantErr   *kerr.Error
		wantFirst int64 // first offset answered
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 2, 3, nil, 2}, {7, 0, 5, 1, nil, 5}}},
		{"retried batch gets its first offsets", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 2, 3, nil, 2}, {7, 0, 0, 2, nil, 0}, {7, 0, 5, 1, nil, 5}}},
		{"gap", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 3, 1, kerr.OutOfOrderSequenceNumber, -1}}},
		{"unknown producer not at 0", []step{{7, 0, 4, 1, kerr.UnknownProducerID, -1}}},
		{"older epoch fenced", []step{{7, 1, 0, 1, nil, 0}, {7, 0, 1, 1, kerr.InvalidProducerEpoch, -1}}},
		{"new epoch must start at 0", []step{{7, 0, 0, 1, nil, 0}, {7, 1, 1, 1, kerr.OutOfOrderSequenceNumber, -1}, {7, 1, 0, 1, nil, 1}}},
		{"beyond the five-batch window is out of order", []step{
			{7, 0, 0, 1, nil, 0}, {7, 0, 1, 1, nil, 1}, {7, 0, 2, 1, nil, 2}, {7, 0, 3, 1, nil, 3},
			{7, 0, 4, 1, nil, 4}, {7, 0, 5, 1, nil, 5}, {7, 0, 0, 1, kerr.OutOfOrderSequenceNumber, -1}, {7, 0, 1, 1, nil, 1},
		}},
		{"producers are independent", []step{{7, 0, 0, 1, nil, 0}, {8, 0, 0, 1, nil, 1}, {7, 0, 1, 1, nil, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := leaderPartition(t, &fakeLog{})
			for i, s := range tt.steps {
				res, err := p.appendAsLeader(idempotent(s.pid, s.epoch, s.seq, s.n), -1, time.Now())
				if s.wantErr == nil && err != nil || s.wantErr != nil && (err == nil || errorCode(err) != s.wantErr.Code) {
					t.Fatalf("step %d: error %v, want %v", i, err, s.wantErr)
				}
				if err == nil && res.FirstOffset != s.wantFirst {
					t.Fatalf("step %d: first offset %d, want %d", i, res.FirstOffset, s.wantFirst)
				}
			}
		})
	}
}

// TestProducerStateFromLog checks that a partition opened over a log (a
// restarted broker, a follower that becomes leader) knows the sequences.
func TestProducerStateFromLog(t *testing.T) {
	lg := &fakeLog{}
	for seq := int32(0); seq < 6; seq += 2 {
		if _, err := lg.AppendAsFollower(withBase(idempotent(7, 0, seq, 2), int64(seq))); err != nil {
			t.Fatal(err)
		}
	}
	p := leaderPartition(t, lg)
	for _, tt := range []struct {
		seq       int32
		wantErr   *kerr.Error
		wantFirst int64
	}{
		{4, nil, 4},                            // the last batch retried
		{7, kerr.OutOfOrderSequenceNumber, -1}, // a gap
		{6, nil, 6},                            // the next one
	} {
		res, err := p.appendAsLeader(idempotent(7, 0, tt.seq, 2), -1, time.Now())
		if errorCode(err) != errorCode(errOrNil(tt.wantErr)) || err == nil && res.FirstOffset != tt.wantFirst {
			t.Fatalf("seq %d: %v at %d, want %v at %d", tt.seq, err, res.FirstOffset, tt.wantErr, tt.wantFirst)
		}
	}
}

func errOrNil(e *kerr.Error) error {
	if e == nil {
		return nil
	}
	return e
}

func withBase(b []byte, base int64) []byte {
	binary.BigEndian.PutUint64(b, uint64(base))
	return b
}
