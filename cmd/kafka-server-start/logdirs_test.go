package main

import (
	"context"
	"testing"
	"time"
)

// fakeDirs reports the dirs of offline[i] at its i-th query (the last one
// from then on) and cancels the watcher after stopAfter queries.
type fakeDirs struct {
	all       []string
	offline   [][]string
	stopAfter int
	cancel    context.CancelFunc
	calls     int
}

func (f *fakeDirs) LogDirs() []string { return f.all }

func (f *fakeDirs) OfflineDirs() []string {
	i := min(f.calls, len(f.offline)-1)
	f.calls++
	if f.calls >= f.stopAfter {
		f.cancel()
	}
	return f.offline[i]
}

func TestWatchLogDirs(t *testing.T) {
	tests := []struct {
		name     string
		all      []string
		offline  [][]string
		wantHalt string
	}{
		{"all online", []string{"/a", "/b"}, [][]string{nil}, ""},
		{"one of two failed", []string{"/a", "/b"}, [][]string{nil, {"/b"}}, ""},
		{"both failed one after the other", []string{"/a", "/b"}, [][]string{nil, {"/a"}, {"/a", "/b"}},
			"Shutdown broker because all log dirs in /a, /b have failed"},
		{"the only dir failed", []string{"/data/kafka-logs"}, [][]string{nil, nil, {"/data/kafka-logs"}},
			"Shutdown broker because all log dirs in /data/kafka-logs have failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := &fakeDirs{all: tt.all, offline: tt.offline, stopAfter: 10, cancel: cancel}
			var halted string
			watchLogDirs(ctx, f, time.Millisecond, func(msg string) { halted = msg })
			if halted != tt.wantHalt {
				t.Fatalf("halt(%q), want halt(%q)", halted, tt.wantHalt)
			}
		})
	}
}
