package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/samsa-broker/samsa/internal/benchreport"
)

// The baseline probes of the full benchmark, taken right before each
// scenario so its figures can be read against what the disk and loopback
// delivered that minute.

// ddDirect writes mib MiB with dd's direct I/O (Confluent's disk method)
// into dir, on the same file system as the brokers' logs, and returns
// MiB/s.
func ddDirect(ctx context.Context, dir string, mib int) (float64, error) {
	f := filepath.Join(dir, "dd.probe")
	defer os.Remove(f)
	cmd := exec.CommandContext(ctx, "dd", "if=/dev/zero", "of="+f, "bs=1M", "count="+strconv.Itoa(mib), "oflag=direct")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("dd: %w: %s", err, errb.String())
	}
	// "536870912 bytes (537 MB, 512 MiB) copied, 1.2 s, 447 MB/s"
	m := regexp.MustCompile(`(?m)^(\d+) bytes .*copied, ([\d.]+) s`).FindStringSubmatch(errb.String())
	if m == nil {
		return 0, fmt.Errorf("dd: unexpected output %q", errb.String())
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	secs, _ := strconv.ParseFloat(m[2], 64)
	if secs <= 0 {
		return 0, fmt.Errorf("dd: %s bytes in %s s", m[1], m[2])
	}
	return n / secs / (1 << 20), nil
}

// loopbackStream sends 1 MiB writes over one loopback TCP connection for d
// and returns the MiB/s the receiver got. Sender and receiver are
// goroutines of this process, like probe a1 of the performance notes.
func loopbackStream(d time.Duration) (float64, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- 0
			return
		}
		defer c.Close()
		n, _ := io.CopyBuffer(io.Discard, c, make([]byte, 1<<20))
		got <- n
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 1<<20)
	start := time.Now()
	for time.Since(start) < d {
		if _, err := c.Write(buf); err != nil {
			c.Close()
			return 0, err
		}
	}
	c.Close()
	n := <-got
	return float64(n) / time.Since(start).Seconds() / (1 << 20), nil
}

// loopbackRTT times n ping-pongs of 100 bytes over loopback after a
// warm-up and returns the p50, p99 and p99.9 in microseconds.
func loopbackRTT(n int) (p50, p99, p999 float64, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, 0, err
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c) // echo
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	msg, back := make([]byte, 100), make([]byte, 100)
	const warmup = 500
	rtts := make([]float64, 0, n)
	for i := 0; i < warmup+n; i++ {
		start := time.Now()
		if _, err := c.Write(msg); err != nil {
			return 0, 0, 0, err
		}
		if _, err := io.ReadFull(c, back); err != nil {
			return 0, 0, 0, err
		}
		if i >= warmup {
			rtts = append(rtts, float64(time.Since(start).Nanoseconds())/1e3)
		}
	}
	slices.Sort(rtts)
	return benchreport.Percentile(rtts, 0.5), benchreport.Percentile(rtts, 0.99), benchreport.Percentile(rtts, 0.999), nil
}

// probe takes the three baselines.
func probe(ctx context.Context, scenario, dir string, ddMiB int) (benchreport.Probe, error) {
	p := benchreport.Probe{Scenario: scenario, Time: time.Now()}
	var err error
	if p.DiskMiBps, err = ddDirect(ctx, dir, ddMiB); err != nil {
		return p, err
	}
	if p.LoopbackMiBs, err = loopbackStream(2 * time.Second); err != nil {
		return p, fmt.Errorf("loopback stream: %w", err)
	}
	if p.RTTp50us, p.RTTp99us, p.RTTp999us, err = loopbackRTT(5000); err != nil {
		return p, fmt.Errorf("loopback RTT: %w", err)
	}
	return p, nil
}
