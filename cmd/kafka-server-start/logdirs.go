package main

import (
	"context"
	"strings"
	"time"
)

// offlineDirs is what the watcher needs of storage.Manager.
type offlineDirs interface {
	LogDirs() []string
	OfflineDirs() []string
}

// logDirCheckInterval is how often the broker asks storage whether its log
// dirs are still online; storage answers only when asked.
const logDirCheckInterval = 500 * time.Millisecond

// watchLogDirs calls halt once every log dir has failed (a full disk, an
// I/O error), as Kafka's LogManager.handleLogDirFailure halts the broker:
// with no log dir left it can serve nothing, and a prompt exit lets the
// controller move its leaderships. It returns when ctx is done.
func watchLogDirs(ctx context.Context, dirs offlineDirs, interval time.Duration, halt func(msg string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		all := dirs.LogDirs()
		if len(all) > 0 && len(dirs.OfflineDirs()) == len(all) {
			halt("Shutdown broker because all log dirs in " + strings.Join(all, ", ") + " have failed")
			return
		}
	}
}
