package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-zookeeper/zk"
)

// libfaketimeGlobs are where Debian's faketime package puts the
// multi-threaded libfaketime a JVM needs.
var libfaketimeGlobs = []string{
	"/usr/lib/*/faketime/libfaketimeMT.so.1",
	"/usr/lib/faketime/libfaketimeMT.so.1",
	"/usr/local/lib/faketime/libfaketimeMT.so.1",
}

// Clocks skews the wall clocks of ZooKeeper nodes with libfaketime.
//
// Samsa's brokers cannot be skewed this way: the Go runtime reads the clock
// through the vDSO, never through libc, so an LD_PRELOAD changes nothing.
// ZooKeeper's JVMs read it through libc, so each node is started with
// libfaketime preloaded and reading its offset from a file of its own
// (FAKETIME_TIMESTAMP_FILE, re-read at every call: with a cache, the
// library times the cache with the faked clock, and a clock set back sticks
// until the fake time catches up), which the nemesis rewrites to skew and
// to heal a running node. Only the wall clock moves
// (FAKETIME_DONT_FAKE_MONOTONIC): a real clock step or drift does not move
// CLOCK_MONOTONIC either, ZooKeeper times sessions with it, and a JVM whose
// monotonic clock is faked hangs. FAKETIME_FORCE_MONOTONIC_FIX=0 turns off
// a workaround for old glibc versions that makes the JVM's timed waits
// misfire: with it a three-node ensemble took over a minute, instead of
// seconds, to elect a leader.
type Clocks struct {
	dir   string
	lib   string
	files []string
}

// NewClocks prepares the offset files of n nodes, all at +0, in a new
// directory that processes under other uids can read. It fails when
// libfaketime is not installed.
func NewClocks(n int) (*Clocks, error) {
	lib := ""
	for _, g := range libfaketimeGlobs {
		if m, _ := filepath.Glob(g); len(m) > 0 {
			lib = m[0]
			break
		}
	}
	if lib == "" {
		return nil, errors.New("chaos: libfaketimeMT.so.1 not found (install the faketime package)")
	}
	dir, err := os.MkdirTemp("", "samsa-chaos-clock-")
	if err != nil {
		return nil, fmt.Errorf("chaos: clocks: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("chaos: clocks: %w", err)
	}
	c := &Clocks{dir: dir}
	for i := range n {
		c.files = append(c.files, filepath.Join(dir, "node"+strconv.Itoa(i)))
		if err := c.Set(i, 0); err != nil {
			c.Close()
			return nil, err
		}
	}
	c.lib = lib
	return c, nil
}

// Env returns the environment entries that make node i's JVM read its clock
// through libfaketime and its offset file.
func (c *Clocks) Env(i int) []string {
	return []string{
		"LD_PRELOAD=" + c.lib,
		"FAKETIME_TIMESTAMP_FILE=" + c.files[i],
		"FAKETIME_NO_CACHE=1",
		"FAKETIME_DONT_FAKE_MONOTONIC=1",
		"FAKETIME_FORCE_MONOTONIC_FIX=0",
		"DONT_FAKE_MONOTONIC=1",
	}
}

// Set moves node i's wall clock by offset from the real time, at once.
func (c *Clocks) Set(i int, offset time.Duration) error {
	spec := fmt.Sprintf("%+ds\n", int64(offset/time.Second))
	// Write and rename, so the library never reads a half-written file.
	tmp := c.files[i] + ".tmp"
	if err := os.WriteFile(tmp, []byte(spec), 0o644); err != nil {
		return fmt.Errorf("chaos: clock: %w", err)
	}
	if err := os.Rename(tmp, c.files[i]); err != nil {
		return fmt.Errorf("chaos: clock: %w", err)
	}
	return nil
}

// Close removes the offset files.
func (c *Clocks) Close() { os.RemoveAll(c.dir) }

// measureSkew creates a znode through server and returns how far its
// creation time, which the ZooKeeper leader stamps with its own wall clock,
// is from the local clock. It is the proof that a skew took effect.
func measureSkew(ctx context.Context, servers []string) (time.Duration, error) {
	conn, events, err := zk.Connect(servers, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return 0, fmt.Errorf("chaos: measure skew: %w", err)
	}
	defer conn.Close()
	for connected := false; !connected; {
		select {
		case ev := <-events:
			connected = ev.State == zk.StateHasSession
		case <-ctx.Done():
			return 0, fmt.Errorf("chaos: measure skew: %w", ctx.Err())
		}
	}
	before := time.Now()
	path, err := conn.Create("/samsa-chaos-clock-", nil, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		return 0, fmt.Errorf("chaos: measure skew: %w", err)
	}
	after := time.Now()
	_, st, err := conn.Get(path)
	if err != nil {
		return 0, fmt.Errorf("chaos: measure skew: %w", err)
	}
	mid := before.Add(after.Sub(before) / 2)
	return time.UnixMilli(st.Ctime).Sub(mid), nil
}
