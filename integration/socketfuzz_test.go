package integration

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// The socket fuzzer: connections send mutated frames of the recorded client
// traffic (testdata/traffic) and random frames to a live three-broker
// cluster for SAMSA_SOCKETFUZZ_DURATION, while a well-behaved client
// produces and consumes. What users would see is asserted: every broker is
// alive and answers, the client lost nothing, memory, threads and file
// descriptors stay bounded, and no broker printed a panic.
//
// Environment:
//
//	SAMSA_SOCKETFUZZ_DURATION    how long to fuzz, a Go duration (default 30s)
//	SAMSA_SOCKETFUZZ_SEED        the random seed (default: the time; logged)
//	SAMSA_SOCKETFUZZ_INTERBROKER 1 also mutates the controller's requests
//	                             (LeaderAndIsr, StopReplica, UpdateMetadata,
//	                             ControlledShutdown); see isInterBroker
//	SAMSA_SOCKETFUZZ_REPLAY      a directory of saved inputs to replay first
//	                             (default testdata/traffic/crashers)
//
// When a broker dies, the connections last sent to it are saved, one file
// per connection (the exact bytes written), in a new directory under the
// system's temporary directory, which the failure names; replay them with
// SAMSA_SOCKETFUZZ_REPLAY, and keep the culprit in testdata/traffic/crashers
// once the bug is fixed (testdata/traffic/README.md). The same is saved when
// a broker's RSS first grows by half the limit, and a broker whose sockets
// stay open is made to print its goroutines.

const (
	fuzzWorkers         = 8
	fuzzRecentConns     = 256             // connections kept per broker for a crash report
	fuzzConnDeadline    = 2 * time.Second // for one fuzzing connection, writes and reads
	fuzzReadAfter       = 300 * time.Millisecond
	fuzzMaxRSSGrowth    = 256 << 20 // bytes of RSS above the baseline that fail the test
	fuzzMaxSocketGrowth = 32        // open sockets above the baseline once connections closed
	fuzzMaxThreads      = 1000      // threads that mean something runs away
	fuzzCrashersDir     = trafficDir + "/crashers"
	socketMaxBytes      = 104857600 // socket.request.max.bytes default
)

// isInterBroker tells the controller's APIs. Kafka 2.4 without an authorizer
// obeys them from any client once the epochs match, so a lucky mutation
// (a v0 ControlledShutdown naming a broker, a StopReplica with deletion)
// legitimately disturbs the cluster and the well-behaved client: they are
// fuzzed only on request.
func isInterBroker(key int16) bool { return key >= 4 && key <= 7 }

// publicKeys are the client APIs of Kafka 2.4 that api key mutations pick.
func publicKeys() []int16 {
	return []int16{0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
		29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47}
}

// procStats is what /proc says about a broker process.
type procStats struct {
	rssKiB, threads, fds int
	sockets              int // the fds that are sockets
}

func (s procStats) String() string {
	return fmt.Sprintf("RSS %d MiB, %d threads, %d fds of which %d sockets", s.rssKiB>>10, s.threads, s.fds, s.sockets)
}

// brokerPID finds the process running with b's server.properties: the
// harness does not expose its children's ids.
func brokerPID(b *harness.Broker) (int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(args) > 1 && args[len(args)-1] == b.PropertiesPath() && strings.HasSuffix(args[0], "kafka-server-start") {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no process runs %s", b.PropertiesPath())
}

func readProcStats(pid int) (procStats, error) {
	var s procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "VmRSS:":
			s.rssKiB, _ = strconv.Atoi(fields[1])
		case "Threads:":
			s.threads, _ = strconv.Atoi(fields[1])
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			s.sockets++
		}
	}
	return s, nil
}

// panicLines are the lines of a broker's output files (standard output and
// error, server.log) that tell of a Go panic or a fatal runtime error.
func panicLines(b *harness.Broker) []string {
	dir := filepath.Dir(b.PropertiesPath())
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !(strings.HasSuffix(e.Name(), ".out") || strings.HasSuffix(e.Name(), ".log")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "fatal error:") ||
				strings.Contains(line, "[recovered]") || strings.Contains(line, "goroutine ") && strings.Contains(line, "[running]") {
				out = append(out, e.Name()+": "+line)
			}
		}
	}
	return out
}

// fuzzTarget is one broker under fuzzing and the connections last sent to it.
type fuzzTarget struct {
	b   *harness.Broker
	pid int

	mu     sync.Mutex
	recent [][]byte // ring of the bytes of the last connections
	next   int
	base   procStats
	peak   procStats

	rssSaved atomic.Bool // the connections before an RSS jump were saved
}

func (ft *fuzzTarget) remember(script []byte) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if len(ft.recent) < fuzzRecentConns {
		ft.recent = append(ft.recent, script)
		return
	}
	ft.recent[ft.next] = script
	ft.next = (ft.next + 1) % fuzzRecentConns
}

// save writes the remembered connections, oldest first, to a new directory.
func (ft *fuzzTarget) save() (string, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("samsa-socketfuzz-broker%d-", ft.b.ID()))
	if err != nil {
		return "", err
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for i := range ft.recent {
		script := ft.recent[(ft.next+i)%len(ft.recent)]
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("conn-%03d.bin", i)), script, 0o644); err != nil {
			return "", err
		}
	}
	// The broker's output and logs, which the test's cleanup removes.
	logs, _ := filepath.Glob(filepath.Join(filepath.Dir(ft.b.PropertiesPath()), "*.out"))
	more, _ := filepath.Glob(filepath.Join(filepath.Dir(ft.b.PropertiesPath()), "*.log"))
	for _, f := range append(logs, more...) {
		if data, err := os.ReadFile(f); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "broker-"+filepath.Base(f)), data, 0o644)
		}
	}
	return dir, nil
}

// sample updates the peak figures. The first time RSS is half the limit
// above the baseline, the connections that preceded it are saved and the
// returned message names where.
func (ft *fuzzTarget) sample() string {
	s, err := readProcStats(ft.pid)
	if err != nil {
		return ""
	}
	var msg string
	if (s.rssKiB-ft.base.rssKiB)<<10 > fuzzMaxRSSGrowth/2 && !ft.rssSaved.Swap(true) {
		dir, err := ft.save()
		if err != nil {
			dir = "not saved: " + err.Error()
		}
		msg = fmt.Sprintf("broker %d: RSS %d MiB at %s; the connections before are in %s", ft.b.ID(), s.rssKiB>>10,
			time.Now().UTC().Format("15:04:05"), dir)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.peak.rssKiB = max(ft.peak.rssKiB, s.rssKiB)
	ft.peak.threads = max(ft.peak.threads, s.threads)
	ft.peak.fds = max(ft.peak.fds, s.fds)
	ft.peak.sockets = max(ft.peak.sockets, s.sockets)
	return msg
}

// fuzzCounters count what the fuzzer did, for the log.
type fuzzCounters struct {
	conns, frames, bytes, answered, closedByBroker atomic.Int64
	byMutator                                      sync.Map // name -> *atomic.Int64
}

func (c *fuzzCounters) mutated(name string) {
	v, _ := c.byMutator.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (c *fuzzCounters) String() string {
	var parts []string
	c.byMutator.Range(func(k, v any) bool {
		parts = append(parts, fmt.Sprintf("%s %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(parts)
	return fmt.Sprintf("%d connections, %d frames, %d MiB sent, %d connections answered, %d closed by the broker; mutations: %s",
		c.conns.Load(), c.frames.Load(), c.bytes.Load()>>20, c.answered.Load(), c.closedByBroker.Load(), strings.Join(parts, ", "))
}

// fuzzCorpus groups the recorded frames for the mutators.
type fuzzCorpus struct {
	frames []corpusFrame
	byKey  map[int16][]corpusFrame
}

func newFuzzCorpus(frames []corpusFrame, withInterBroker bool) *fuzzCorpus {
	c := &fuzzCorpus{byKey: map[int16][]corpusFrame{}}
	for _, f := range frames {
		if isInterBroker(f.apiKey()) && !withInterBroker {
			continue
		}
		c.frames = append(c.frames, f)
		c.byKey[f.apiKey()] = append(c.byKey[f.apiKey()], f)
	}
	return c
}

func (c *fuzzCorpus) pick(rng *rand.Rand) corpusFrame { return c.frames[rng.IntN(len(c.frames))] }

// fixSize makes a frame's size prefix tell its true length.
func fixSize(b []byte) []byte {
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// mutator turns a corpus frame into the bytes one request puts on the wire.
type mutator struct {
	name   string
	weight int
	apply  func(rng *rand.Rand, c *fuzzCorpus, f []byte) []byte
}

// bodyPos is a random offset past the size prefix and api key, version and
// correlation id, or the end for a frame that has nothing there.
func bodyPos(rng *rand.Rand, f []byte) int {
	if len(f) <= 12 {
		return len(f)
	}
	return 12 + rng.IntN(len(f)-12)
}

func mutators(withInterBroker bool) []mutator {
	keys := publicKeys()
	if withInterBroker {
		keys = append(keys, 4, 5, 6, 7)
	}
	interesting32 := []uint32{0x7fffffff, 0xffffffff, 0xfffffffe, 0x80000000, 0x00ffffff, 0x10000, 0, 1}
	interesting16 := []uint16{0xffff, 0xfffe, 0x7fff, 0x8000, 0, 1}
	return []mutator{
		{"bitflip", 20, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			for n := 1 + rng.IntN(8); n > 0 && len(f) > 4; n-- {
				f[4+rng.IntN(len(f)-4)] ^= 1 << rng.UintN(8)
			}
			return f
		}},
		{"interesting-byte", 10, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			for n := 1 + rng.IntN(4); n > 0 && len(f) > 4; n-- {
				f[4+rng.IntN(len(f)-4)] = []byte{0, 1, 0x7f, 0x80, 0xfe, 0xff}[rng.IntN(6)]
			}
			return f
		}},
		// Array counts, string and bytes lengths, record counts: any
		// int32 or int16 in the body may be one.
		{"count-int32", 12, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			if p := bodyPos(rng, f); p+4 <= len(f) {
				binary.BigEndian.PutUint32(f[p:], interesting32[rng.IntN(len(interesting32))])
			}
			return f
		}},
		{"length-int16", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			if p := bodyPos(rng, f); p+2 <= len(f) {
				binary.BigEndian.PutUint16(f[p:], interesting16[rng.IntN(len(interesting16))])
			}
			return f
		}},
		// Compact arrays and strings of flexible versions: a huge or a
		// null uvarint length.
		{"count-uvarint", 6, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			p := bodyPos(rng, f)
			if rng.IntN(2) == 0 && p+5 <= len(f) {
				copy(f[p:], []byte{0xff, 0xff, 0xff, 0xff, 0x0f})
			} else if p < len(f) {
				f[p] = 0
			}
			return f
		}},
		{"splice-same-api", 10, func(rng *rand.Rand, c *fuzzCorpus, f []byte) []byte {
			if len(f) < 8 {
				return f
			}
			same := c.byKey[int16(binary.BigEndian.Uint16(f[4:]))]
			if len(same) == 0 {
				return f
			}
			other := same[rng.IntN(len(same))].raw
			i, j := 4+rng.IntN(len(f)-3), 4+rng.IntN(len(other)-3)
			return fixSize(append(f[:i:i], other[j:]...))
		}},
		// Repeated array elements: a slice of the body inserted again.
		{"repeat", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			i := bodyPos(rng, f)
			j := i + rng.IntN(min(64, len(f)-i)+1)
			seg := append([]byte(nil), f[i:j]...)
			out := append([]byte(nil), f[:j]...)
			for n := 1 + rng.IntN(256); n > 0; n-- {
				out = append(out, seg...)
			}
			return fixSize(append(out, f[j:]...))
		}},
		{"truncate", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			return fixSize(f[:4+rng.IntN(len(f)-3)])
		}},
		// Size prefixes that lie: longer than what follows (the broker waits
		// for bytes that never come), shorter (the rest reads as the next
		// frame), just under socket.request.max.bytes, negative.
		{"size-lie", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			n := len(f) - 4
			switch rng.IntN(4) {
			case 0:
				n += 1 + rng.IntN(4096)
			case 1:
				n = rng.IntN(n + 1)
			case 2:
				n = socketMaxBytes - rng.IntN(16)
			default:
				n = -1 - rng.IntN(1<<20)
			}
			binary.BigEndian.PutUint32(f, uint32(n))
			return f
		}},
		{"version", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			if len(f) < 8 {
				return f
			}
			binary.BigEndian.PutUint16(f[6:], uint16(int16(rng.IntN(20)-2)))
			return f
		}},
		// Another API's request with this body; sometimes any key at all.
		{"api-key", 8, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			if len(f) < 8 {
				return f
			}
			k := keys[rng.IntN(len(keys))]
			if rng.IntN(8) == 0 {
				k = int16(rng.UintN(math.MaxUint16 + 1))
			}
			binary.BigEndian.PutUint16(f[4:], uint16(k))
			return f
		}},
		{"client-id-length", 4, func(rng *rand.Rand, _ *fuzzCorpus, f []byte) []byte {
			if len(f) >= 14 {
				binary.BigEndian.PutUint16(f[12:], interesting16[rng.IntN(len(interesting16))])
			}
			return f
		}},
		{"random-frame", 6, func(rng *rand.Rand, _ *fuzzCorpus, _ []byte) []byte {
			b := randomBytes(rng, 4+rng.IntN(2048))
			if rng.IntN(4) != 0 {
				fixSize(b)
				if len(b) >= 8 && rng.IntN(2) == 0 {
					// A known api key and version, so the body reaches a decoder.
					binary.BigEndian.PutUint16(b[4:], uint16(keys[rng.IntN(len(keys))]))
					binary.BigEndian.PutUint16(b[6:], uint16(rng.IntN(12)))
				}
			}
			return b
		}},
		{"unmodified", 4, func(_ *rand.Rand, _ *fuzzCorpus, f []byte) []byte { return f }},
	}
}

// pickMutator draws a mutator by weight.
func pickMutator(rng *rand.Rand, ms []mutator) mutator {
	total := 0
	for _, m := range ms {
		total += m.weight
	}
	n := rng.IntN(total)
	for _, m := range ms {
		if n < m.weight {
			return m
		}
		n -= m.weight
	}
	return ms[len(ms)-1]
}

// fuzzConn is one connection's worth of fuzzing: a few mutated frames, sent
// at once or dribbled, then whatever the broker answers is read for a
// moment and the connection is closed.
func fuzzConn(ctx context.Context, rng *rand.Rand, ft *fuzzTarget, c *fuzzCorpus, ms []mutator, n *fuzzCounters) {
	var script []byte
	frames := 1 + rng.IntN(8)
	for i := 0; i < frames; i++ {
		m := pickMutator(rng, ms)
		// Several mutations in a row, sometimes.
		f := append([]byte(nil), c.pick(rng).raw...)
		for k := 1 + rng.IntN(3); k > 0; k-- {
			f = m.apply(rng, c, f)
			n.mutated(m.name)
			if rng.IntN(2) == 0 || m.name == "random-frame" || m.name == "unmodified" {
				break
			}
			m = pickMutator(rng, ms)
		}
		script = append(script, f...)
	}
	n.frames.Add(int64(frames))
	sendScript(ctx, rng, ft, script, rng.IntN(5) == 0, n)
}

// sendScript writes script on a new connection (in small pieces with pauses
// when dribble is set), remembering it first so a crash can be traced to it,
// then reads for a moment.
func sendScript(ctx context.Context, rng *rand.Rand, ft *fuzzTarget, script []byte, dribble bool, n *fuzzCounters) {
	ft.remember(script)
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", ft.b.Addr())
	if err != nil {
		return
	}
	defer nc.Close()
	n.conns.Add(1)
	_ = nc.SetDeadline(time.Now().Add(fuzzConnDeadline))
	rest := script
	for len(rest) > 0 {
		k := len(rest)
		if dribble {
			k = min(k, 1+rng.IntN(64))
		}
		w, err := nc.Write(rest[:k])
		n.bytes.Add(int64(w))
		if err != nil {
			return
		}
		rest = rest[k:]
		if dribble && len(rest) > 0 {
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		}
	}
	if rng.IntN(4) == 0 {
		_ = nc.(*net.TCPConn).CloseWrite()
	}
	_ = nc.SetReadDeadline(time.Now().Add(fuzzReadAfter))
	got, err := io.Copy(io.Discard, nc)
	if got > 0 {
		n.answered.Add(1)
	}
	if err == nil {
		n.closedByBroker.Add(1)
	}
}

// pipelinedBurst sends one unmodified request many times on one connection
// without waiting, with correlation ids that repeat, go backwards or are
// negative, and checks that the broker answers each in order with its
// correlation id, as Kafka does. Only requests that are answered at once
// and change nothing are used.
func pipelinedBurst(ctx context.Context, rng *rand.Rand, ft *fuzzTarget, c *fuzzCorpus, n *fuzzCounters) error {
	var quick []corpusFrame
	for _, k := range []int16{2, 3, 9, 10, 15, 16, 18, 32, 35} {
		quick = append(quick, c.byKey[k]...)
	}
	if len(quick) == 0 {
		return nil
	}
	f := quick[rng.IntN(len(quick))].raw
	count := 10 + rng.IntN(90)
	ids := make([]int32, count)
	var script []byte
	for i := range ids {
		switch rng.IntN(4) {
		case 0:
			ids[i] = 7
		case 1:
			ids[i] = int32(count - i)
		case 2:
			ids[i] = math.MinInt32 + int32(i)
		default:
			ids[i] = int32(rng.Uint32())
		}
		g := append([]byte(nil), f...)
		binary.BigEndian.PutUint32(g[8:], uint32(ids[i]))
		script = append(script, g...)
	}
	ft.remember(script)
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", ft.b.Addr())
	if err != nil {
		return nil
	}
	defer nc.Close()
	n.conns.Add(1)
	n.frames.Add(int64(count))
	n.mutated("pipelined")
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _, _ = nc.Write(script) }()
	br := bufio.NewReader(nc)
	for i, want := range ids {
		var size [4]byte
		if _, err := io.ReadFull(br, size[:]); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("broker %d, api key %d: response %d of %d: %w", ft.b.ID(), binary.BigEndian.Uint16(f[4:]), i, count, err)
		}
		resp := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(br, resp); err != nil || len(resp) < 4 {
			return fmt.Errorf("broker %d: response %d of %d: %d bytes, %v", ft.b.ID(), i, count, len(resp), err)
		}
		if got := int32(binary.BigEndian.Uint32(resp)); got != want {
			return fmt.Errorf("broker %d, api key %d: response %d has correlation id %d, want %d", ft.b.ID(), binary.BigEndian.Uint16(f[4:]), i, got, want)
		}
	}
	n.answered.Add(1)
	return nil
}

// replayInputs sends each file in dir, as it is, on its own connection to
// every target.
func replayInputs(dir string, targets []*fuzzTarget) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	n := &fuzzCounters{}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, f := range files {
		script, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, ft := range targets {
			sendScript(context.Background(), rng, ft, script, false, n)
		}
	}
	return len(files)
}

func TestSocketFuzz(t *testing.T) {
	duration := 30 * time.Second
	if v := os.Getenv("SAMSA_SOCKETFUZZ_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("SAMSA_SOCKETFUZZ_DURATION: %v", err)
		}
		duration = d
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SAMSA_SOCKETFUZZ_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SAMSA_SOCKETFUZZ_SEED: %v", err)
		}
		seed = s
	}
	withInterBroker := os.Getenv("SAMSA_SOCKETFUZZ_INTERBROKER") == "1"
	replayDir := fuzzCrashersDir
	if v := os.Getenv("SAMSA_SOCKETFUZZ_REPLAY"); v != "" {
		replayDir = v
	}
	t.Logf("seed %d (SAMSA_SOCKETFUZZ_SEED), duration %v, controller APIs fuzzed: %v", seed, duration, withInterBroker)

	frames, err := loadTraffic(trafficDir)
	if err != nil {
		t.Fatal(err)
	}
	corpus := newFuzzCorpus(frames, withInterBroker)
	ms := mutators(withInterBroker)

	c := startCluster(t, ensemble, 3, nil)
	// The corpus's topics, so mutated requests reach real partitions.
	dpCreateTopic(c, "rec-a", 3, 3)
	dpCreateTopic(c, "rec-b", 2, 2)
	dpCreateTopic(c, "good", 3, 3)
	good := startWellBehaved(t, c.bootstrap(), "good")
	good.waitProduced(30)

	var targets []*fuzzTarget
	for _, b := range c.brokers {
		pid, err := brokerPID(b)
		if err != nil {
			t.Fatal(err)
		}
		base, err := readProcStats(pid)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, &fuzzTarget{b: b, pid: pid, base: base, peak: base})
	}

	if n := replayInputs(replayDir, targets); n > 0 {
		t.Logf("replayed %d saved inputs from %s", n, replayDir)
	}

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	counters := &fuzzCounters{}
	var crashMu sync.Mutex
	crashed := map[int32]string{}
	checkAlive := func() {
		for _, ft := range targets {
			if exited, err := ft.b.Exited(); exited {
				crashMu.Lock()
				if _, seen := crashed[ft.b.ID()]; !seen {
					dir, serr := ft.save()
					if serr != nil {
						dir = "not saved: " + serr.Error()
					}
					crashed[ft.b.ID()] = fmt.Sprintf("broker %d exited (%v); its last %d connections are in %s", ft.b.ID(), err, fuzzRecentConns, dir)
				}
				crashMu.Unlock()
				cancel()
			}
		}
	}

	var wg sync.WaitGroup
	var burstErrs []error
	var burstMu sync.Mutex
	for w := 0; w < fuzzWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for ctx.Err() == nil {
				ft := targets[rng.IntN(len(targets))]
				if rng.IntN(20) == 0 {
					if err := pipelinedBurst(ctx, rng, ft, corpus, counters); err != nil {
						burstMu.Lock()
						burstErrs = append(burstErrs, err)
						burstMu.Unlock()
					}
					continue
				}
				fuzzConn(ctx, rng, ft, corpus, ms, counters)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			for _, ft := range targets {
				if msg := ft.sample(); msg != "" {
					t.Log(msg)
				}
			}
			checkAlive()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	wg.Wait()
	checkAlive()
	t.Logf("fuzzing: %v", counters)

	for _, msg := range crashed {
		t.Error(msg)
	}
	for _, err := range burstErrs {
		t.Errorf("pipelined requests: %v", err)
	}

	// Every broker answers a plain request, and once the fuzzing
	// connections are closed their descriptors are released.
	for _, ft := range targets {
		if _, dead := crashed[ft.b.ID()]; dead {
			continue
		}
		md := corpus.byKey[18]
		if len(md) > 0 {
			if err := answersOne(ft, md[0].raw); err != nil {
				t.Errorf("broker %d does not answer ApiVersions after fuzzing: %v", ft.b.ID(), err)
			}
		}
		var after procStats
		deadline := time.Now().Add(time.Minute)
		for {
			s, err := readProcStats(ft.pid)
			if err != nil {
				t.Fatal(err)
			}
			after = s
			if s.sockets <= ft.base.sockets+fuzzMaxSocketGrowth || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		// Other fds are mostly log segments of the topics that mutated
		// CreateTopics, CreatePartitions and Metadata requests created.
		parts, _ := os.ReadDir(ft.b.LogDir())
		t.Logf("broker %d: before %v; peak %v; after %v; %d entries in its log dir", ft.b.ID(), ft.base, ft.peak, after, len(parts))
		if after.sockets > ft.base.sockets+fuzzMaxSocketGrowth {
			t.Errorf("broker %d: %d sockets a minute after the fuzzing connections closed, %d before; by TCP state on its port: %v;"+
				" where its goroutines wait (SIGQUIT dump, the broker exits):\n%s",
				ft.b.ID(), after.sockets, ft.base.sockets, tcpStates(ft.b.Addr()), goroutineDump(t, ft.b))
			continue
		}
		if growth := (after.rssKiB - ft.base.rssKiB) << 10; growth > fuzzMaxRSSGrowth {
			t.Errorf("broker %d: RSS grew by %d MiB", ft.b.ID(), growth>>20)
		}
		if ft.peak.threads > fuzzMaxThreads {
			t.Errorf("broker %d: %d threads at the peak", ft.b.ID(), ft.peak.threads)
		}
		if lines := panicLines(ft.b); len(lines) > 0 {
			t.Errorf("broker %d printed a panic:\n%s", ft.b.ID(), strings.Join(lines, "\n"))
		}
	}
	good.check()
}

// tcpStates counts the TCP sockets on addr's local port by state, from
// /proc/net/tcp: many in CLOSE_WAIT mean the broker has not noticed that
// clients closed.
func tcpStates(addr string) map[string]int {
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	names := map[string]string{"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "09": "LAST_ACK"}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		if p, err := strconv.ParseUint(f[1][i+1:], 16, 16); err != nil || int(p) != port {
			continue
		}
		name := names[f[3]]
		if name == "" {
			name = f[3]
		}
		out[name]++
	}
	return out
}

// goroutineDump makes the broker print its goroutines (SIGQUIT, after which
// it exits) and summarizes where those of the broker's own packages wait:
// the innermost frame of this module in each stack, counted.
func goroutineDump(t *testing.T, b *harness.Broker) string {
	out := filepath.Join(filepath.Dir(b.PropertiesPath()), "kafkaServer.out")
	b.Kill(syscall.SIGQUIT)
	select {
	case <-b.Done():
	case <-time.After(30 * time.Second):
		return "no dump: the broker did not exit on SIGQUIT"
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return err.Error()
	}
	text := string(data)
	if i := strings.Index(text, "SIGQUIT"); i >= 0 {
		text = text[i:]
	}
	counts := map[string]int{}
	for _, stack := range strings.Split(text, "\n\n") {
		if !strings.HasPrefix(stack, "goroutine ") {
			continue
		}
		for _, line := range strings.Split(stack, "\n") {
			if strings.Contains(line, "samsa-broker/samsa/") && !strings.HasPrefix(line, "\t") {
				counts[line[:max(0, strings.LastIndexByte(line, '('))]]++
				break
			}
		}
	}
	var lines []string
	for frame, n := range counts {
		lines = append(lines, fmt.Sprintf("%5d %s", n, frame))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(lines)))
	return strings.Join(lines, "\n")
}

// answersOne sends frame once and waits for its answer.
func answersOne(ft *fuzzTarget, frame []byte) error {
	nc, err := net.DialTimeout("tcp", ft.b.Addr(), 10*time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := nc.Write(frame); err != nil {
		return err
	}
	var size [4]byte
	if _, err := io.ReadFull(nc, size[:]); err != nil {
		return err
	}
	if binary.BigEndian.Uint32(size[:]) == 0 {
		return errors.New("empty response")
	}
	return nil
}
