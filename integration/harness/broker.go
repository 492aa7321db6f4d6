package harness

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of the broker life cycle. They are limits for a stuck broker, not
// expectations: a healthy one is far quicker.
const (
	listenTimeout = time.Minute
	stopTimeout   = time.Minute
)

// BrokerOpts describes one broker process.
type BrokerOpts struct {
	ID int32
	// Addr is the PLAINTEXT listener, host:port; empty means a free port on
	// 127.0.0.(30+ID%10).
	Addr string
	// ZK is zookeeper.connect, with the test's chroot appended.
	ZK string
	// Props are further server.properties entries; they win over the
	// harness's own (broker.id, listeners, log.dirs, zookeeper.connect).
	Props map[string]string
	// LogDir is log.dirs; empty means a new directory in t.TempDir().
	LogDir string
	// NoWait makes StartBroker and Restart return without waiting for the
	// listener, for tests of brokers that must refuse to start.
	NoWait bool
	// UID, when not 0, runs the broker as that user and group (the test
	// must run as root). Its directory, and LogDir, then belong to that
	// uid. Fault tests use it to tell brokers' packets apart with
	// iptables' owner match, as every loopback connection leaves from
	// 127.0.0.1. 0 runs it as the test's own user.
	UID uint32
}

// Broker is a broker running as a real process with a rendered
// server.properties: Samsa's kafka-server-start, or Apache Kafka's kafka.Kafka.
type Broker struct {
	t         testing.TB
	opts      BrokerOpts
	argv      []string // the command, without the properties file
	propsPath string
	logPath   string // the process's standard output and error
	logDir    string // LOG_DIR: where the broker writes server.log

	mu   sync.Mutex
	proc *process
}

// StartBroker writes a server.properties for o, starts the broker and,
// unless o.NoWait, waits until it accepts connections. The broker is killed
// when the test ends; if the test failed, the last 50 lines of its output
// are printed first.
func StartBroker(t testing.TB, o BrokerOpts) *Broker {
	t.Helper()
	return startBroker(t, o, []string{Bin(t, "kafka-server-start")})
}

// kafkaServerLog4j sends an Apache Kafka broker's log to its standard output,
// which the harness keeps in the broker's output file.
const kafkaServerLog4j = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.kafka.request.logger=WARN
`

// StartKafkaBroker is StartBroker for Apache Kafka 2.4.1's own broker
// (kafka.Kafka from the jar cache), for side-by-side and mixed-cluster tests.
func StartKafkaBroker(t testing.TB, o BrokerOpts) *Broker {
	t.Helper()
	libs, err := KafkaLibs()
	if err != nil {
		t.Fatal(err)
	}
	logConf := filepath.Join(t.TempDir(), "log4j.properties")
	if err := os.WriteFile(logConf, []byte(kafkaServerLog4j), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := []string{"java", "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
		"-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
		"-Dlog4j.configuration=file:" + logConf,
		"-cp", filepath.Join(libs, "*"), "kafka.Kafka"}
	return startBroker(t, o, argv)
}

func startBroker(t testing.TB, o BrokerOpts, argv []string) *Broker {
	t.Helper()
	if o.ZK == "" {
		t.Fatal("harness: BrokerOpts.ZK (zookeeper.connect) is required")
	}
	dir := t.TempDir()
	if o.Addr == "" {
		host := brokerHost(o.ID)
		port, err := freePort(host)
		if err != nil {
			t.Fatal(err)
		}
		o.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if o.LogDir == "" {
		o.LogDir = filepath.Join(dir, "kafka-logs")
	}
	b := &Broker{
		t:         t,
		opts:      o,
		argv:      argv,
		propsPath: filepath.Join(dir, "server.properties"),
		logPath:   filepath.Join(dir, "kafkaServer.out"),
		logDir:    dir,
	}
	if err := os.WriteFile(b.propsPath, []byte(b.properties()), 0o644); err != nil {
		t.Fatal(err)
	}
	if o.UID != 0 {
		if err := os.MkdirAll(o.LogDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{dir, o.LogDir} {
			if err := giveTo(d, o.UID); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("broker %d (%s), last lines of its output:\n%s", o.ID, o.Addr, b.LogTail(50))
		}
		b.mu.Lock()
		p := b.proc
		b.mu.Unlock()
		switch {
		case p == nil:
		case os.Getenv("SAMSA_CPU_PROFILE_DIR") != "":
			// A profiling broker writes its CPU profile when it
			// shuts down cleanly.
			p.stop(30 * time.Second)
		default:
			p.kill()
		}
	})
	b.start()
	return b
}

// properties renders server.properties, keys sorted so the file is stable.
func (b *Broker) properties() string {
	props := map[string]string{
		"broker.id":         strconv.Itoa(int(b.opts.ID)),
		"listeners":         "PLAINTEXT://" + b.opts.Addr,
		"log.dirs":          b.opts.LogDir,
		"zookeeper.connect": b.opts.ZK,
	}
	maps.Copy(props, b.opts.Props)
	var sb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&sb, "%s=%s\n", k, props[k])
	}
	return sb.String()
}

func (b *Broker) start() {
	b.t.Helper()
	env := append(os.Environ(), "LOG_DIR="+b.logDir)
	argv := append(slices.Clone(b.argv), b.propsPath)
	p, err := startProcess(argv, env, b.logDir, b.logPath, b.opts.UID)
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.proc = p
	b.mu.Unlock()
	if !b.opts.NoWait {
		b.WaitListening()
	}
}

func (b *Broker) current() *process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proc
}

// ID returns broker.id.
func (b *Broker) ID() int32 { return b.opts.ID }

// Addr returns the listener's host:port, for bootstrap servers.
func (b *Broker) Addr() string { return b.opts.Addr }

// UID returns the uid the broker runs as, 0 for the test's own.
func (b *Broker) UID() uint32 { return b.opts.UID }

// Host returns the listener's IP address (its host without the port).
func (b *Broker) Host() string {
	host, _, _ := net.SplitHostPort(b.opts.Addr)
	return host
}

// LogDir returns log.dirs (the partition data).
func (b *Broker) LogDir() string { return b.opts.LogDir }

// PropertiesPath returns the server.properties the broker was started with.
func (b *Broker) PropertiesPath() string { return b.propsPath }

// LogTail returns the last lines of the broker's output.
func (b *Broker) LogTail(lines int) string { return tailFile(b.logPath, lines) }

// WaitListening waits until the listener accepts a connection. A broker
// that exits meanwhile fails the test with its output.
func (b *Broker) WaitListening() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), listenTimeout)
	defer cancel()
	var d net.Dialer
	for {
		p := b.current()
		if p.exited() {
			err := p.exitErr()
			b.t.Fatalf("harness: broker %d exited (%v) before listening on %s; its output:\n%s", b.opts.ID, exitText(err), b.opts.Addr, b.LogTail(50))
		}
		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dctx, "tcp", b.opts.Addr)
		dcancel()
		if err == nil {
			conn.Close()
			return
		}
		if sleepCtx(ctx, 100*time.Millisecond) != nil {
			b.t.Fatalf("harness: broker %d does not listen on %s after %v (%v); its output:\n%s", b.opts.ID, b.opts.Addr, listenTimeout, err, b.LogTail(50))
		}
	}
}

// Kill sends sig to the broker: SIGKILL to crash it (and wait for its
// death), SIGSTOP and SIGCONT to freeze and thaw it.
func (b *Broker) Kill(sig syscall.Signal) {
	b.t.Helper()
	p := b.current()
	if err := p.signal(sig); err != nil {
		b.t.Fatal(err)
	}
	if sig == syscall.SIGKILL {
		<-p.done
	}
}

// Stop sends SIGTERM and waits for the broker to exit, returning the exit
// error (nil for status 0). A broker that does not exit within a minute is
// killed and fails the test.
func (b *Broker) Stop() error {
	b.t.Helper()
	p := b.current()
	_ = p.signal(syscall.SIGCONT) // a frozen broker cannot handle SIGTERM
	err, killed := p.stop(stopTimeout)
	if killed {
		b.t.Errorf("harness: broker %d did not stop within %v of SIGTERM and was killed; its output:\n%s", b.opts.ID, stopTimeout, b.LogTail(50))
	}
	return err
}

// Exited reports whether the broker process has exited, and its exit error.
func (b *Broker) Exited() (bool, error) {
	p := b.current()
	if !p.exited() {
		return false, nil
	}
	return true, p.exitErr()
}

// Done is closed when the current broker process exits.
func (b *Broker) Done() <-chan struct{} { return b.current().done }

// Restart stops the broker if it runs (SIGTERM) and starts it again with the
// same configuration and data.
func (b *Broker) Restart() {
	b.t.Helper()
	if !b.current().exited() {
		_ = b.Stop()
	}
	b.start()
}
