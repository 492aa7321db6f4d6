package broker

import "testing"

func TestCompareFetchMarks(t *testing.T) {
	p, q := &partition{}, &partition{}
	base := fetchMark{part: p, isLeader: true, epoch: 3, hw: 10, leo: 12, logStart: 0}
	with := func(f func(*fetchMark)) []fetchMark {
		m := base
		f(&m)
		return []fetchMark{m}
	}
	tests := []struct {
		name     string
		now      []fetchMark
		follower bool
		want     fetchWake
	}{
		{"unchanged", with(func(*fetchMark) {}), false, wakeNothing},
		{"append, consumer", with(func(m *fetchMark) { m.leo = 13 }), false, wakeNothing},
		{"append, follower", with(func(m *fetchMark) { m.leo = 13 }), true, wakeRead},
		{"high watermark, consumer", with(func(m *fetchMark) { m.hw = 11 }), false, wakeRead},
		{"high watermark, follower", with(func(m *fetchMark) { m.hw = 11 }), true, wakeStale},
		{"leadership lost", with(func(m *fetchMark) { m.isLeader = false }), false, wakeRead},
		{"new leader epoch", with(func(m *fetchMark) { m.epoch = 4 }), true, wakeRead},
		{"log start moved", with(func(m *fetchMark) { m.logStart = 5 }), false, wakeRead},
		{"partition replaced", with(func(m *fetchMark) { m.part = q }), false, wakeRead},
		{"partition gone", []fetchMark{{}}, false, wakeRead},
		{"other partition count", nil, false, wakeRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compareFetchMarks([]fetchMark{base}, tt.now, tt.follower); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}
