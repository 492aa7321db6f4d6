package integration

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
)

// oldBrokerProxy is a TCP proxy on loopback in front of one broker that
// records the (key, version) of every request by phase, and answers
// librdkafka's ApiVersions itself with Kafka 0.10.0's table, so that
// librdkafka (whose broker.version.fallback cannot select message format
// v1 without ApiVersions) talks to the broker as to a 0.10.0 one: Produce
// v2 and Fetch v2. Other clients' requests all go through unchanged.
type oldBrokerProxy struct {
	t        *testing.T
	ln       net.Listener
	upstream string

	mu    sync.Mutex
	phase string
	seen  map[string]map[[2]int16]bool // phase -> key, version
	conns []net.Conn
	wg    sync.WaitGroup
}

// kafka0100Versions is the ApiVersions table of Kafka 0.10.0.
func kafka0100Versions() [][3]int16 {
	return [][3]int16{
		{0, 0, 2}, {1, 0, 2}, {2, 0, 0}, {3, 0, 1}, {4, 0, 0}, {5, 0, 0}, {6, 0, 2}, {7, 1, 1}, {8, 0, 2}, {9, 0, 1},
		{10, 0, 0}, {11, 0, 0}, {12, 0, 0}, {13, 0, 0}, {14, 0, 0}, {15, 0, 0}, {16, 0, 0}, {17, 0, 0}, {18, 0, 0},
	}
}

func newOldBrokerProxy(t *testing.T) *oldBrokerProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &oldBrokerProxy{t: t, ln: ln, seen: map[string]map[[2]int16]bool{}}
	t.Cleanup(p.close)
	return p
}

func (p *oldBrokerProxy) addr() string { return p.ln.Addr().String() }

func (p *oldBrokerProxy) setPhase(phase string) {
	p.mu.Lock()
	p.phase = phase
	p.mu.Unlock()
}

// versions lists the versions of API key seen in phase.
func (p *oldBrokerProxy) versions(phase string, key int16) []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int16
	for kv := range p.seen[phase] {
		if kv[0] == key {
			out = append(out, kv[1])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (p *oldBrokerProxy) serve(upstream string) {
	p.upstream = upstream
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := p.ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", p.upstream, 10*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.pump(c, up)
				c.Close()
				up.Close()
			}()
		}
	}()
}

// pump forwards request frames and their responses one at a time
// (librdkafka pipelines, so responses are relayed in order by a second
// goroutine), answering librdkafka's ApiVersions locally.
func (p *oldBrokerProxy) pump(client, up net.Conn) {
	var wmu sync.Mutex // client writes: local answers and relayed responses
	done := make(chan struct{})
	go func() {
		defer close(done)
		var size [4]byte
		for {
			if _, err := io.ReadFull(up, size[:]); err != nil {
				return
			}
			frame := make([]byte, 4+int(binary.BigEndian.Uint32(size[:])))
			copy(frame, size[:])
			if _, err := io.ReadFull(up, frame[4:]); err != nil {
				return
			}
			wmu.Lock()
			_, err := client.Write(frame)
			wmu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	defer func() { up.Close(); <-done }()
	var size [4]byte
	answeredLocally := false
	for {
		if _, err := io.ReadFull(client, size[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n < 10 || n > 100<<20 {
			return
		}
		frame := make([]byte, 4+int(n))
		copy(frame, size[:])
		if _, err := io.ReadFull(client, frame[4:]); err != nil {
			return
		}
		key, version := int16(binary.BigEndian.Uint16(frame[4:])), int16(binary.BigEndian.Uint16(frame[6:]))
		corr := binary.BigEndian.Uint32(frame[8:])
		idLen := int(int16(binary.BigEndian.Uint16(frame[12:])))
		clientID := ""
		if idLen > 0 && 14+idLen <= len(frame) {
			clientID = string(frame[14 : 14+idLen])
		}
		p.mu.Lock()
		if p.phase != "" {
			if p.seen[p.phase] == nil {
				p.seen[p.phase] = map[[2]int16]bool{}
			}
			p.seen[p.phase][[2]int16{key, version}] = true
		}
		p.mu.Unlock()
		if key == 18 && clientID == "rdkafka" && !answeredLocally {
			// Only the connection's first requests can be ApiVersions,
			// before anything is in flight upstream.
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.SetVersion(version)
			if version > 2 {
				// As a newer broker than 0.10.0 answers an unknown
				// version (v0 body), which makes librdkafka retry at v0.
				resp.SetVersion(0)
				resp.ErrorCode = kerr.UnsupportedVersion.Code
			}
			for _, v := range kafka0100Versions() {
				k := kmsg.NewApiVersionsResponseApiKey()
				k.ApiKey, k.MinVersion, k.MaxVersion = v[0], v[1], v[2]
				resp.ApiKeys = append(resp.ApiKeys, k)
			}
			body := resp.AppendTo(nil)
			out := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
			out = binary.BigEndian.AppendUint32(out, corr)
			out = append(out, body...)
			wmu.Lock()
			_, err := client.Write(out)
			wmu.Unlock()
			if err != nil {
				return
			}
			answeredLocally = version <= 2
			continue
		}
		if _, err := up.Write(frame); err != nil {
			return
		}
	}
}

func (p *oldBrokerProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestOldClientsKcat: librdkafka told it talks to an old broker
// (api.version.request=false with broker.version.fallback) produces with
// Produce v0/v1/v2 and consumes with Fetch v0/v1/v2, plain and compressed;
// it also reads, down-converted, what a modern client produced. A proxy in
// front of the broker records which versions went on the wire.
func TestOldClientsKcat(t *testing.T) {
	rec := newOldBrokerProxy(t)
	c := startCluster(t, ensemble, 1, map[string]string{"advertised.listeners": "PLAINTEXT://" + rec.addr()})
	rec.serve(c.brokers[0].Addr())
	// librdkafka selects message format 0 from broker.version.fallback
	// without ApiVersions; format 1 (0.10.0) only through ApiVersions,
	// which the proxy answers as a 0.10.0 broker.
	old := func(fallback string, args ...string) []string {
		conf := []string{"-X", "api.version.request=false", "-X", "broker.version.fallback=" + fallback}
		if strings.HasPrefix(fallback, "0.10") {
			conf = []string{"-X", "broker.version.fallback=" + fallback}
		}
		return append(append([]string{"-b", rec.addr()}, conf...), args...)
	}
	cases := []struct {
		fallback, codec string
		version         int16 // of Produce and Fetch
	}{
		{"0.8.2.2", "none", 0},
		{"0.8.2.2", "gzip", 0},
		{"0.8.2.2", "snappy", 0},
		{"0.9.0.1", "none", 1},
		{"0.10.0.0", "none", 2},
		{"0.10.0.0", "gzip", 2},
		{"0.10.0.0", "lz4", 2},
	}
	for _, tc := range cases {
		topic := strings.NewReplacer(".", "-").Replace("old-" + tc.fallback + "-" + tc.codec)
		t.Run(topic, func(t *testing.T) {
			if run := c.topics("--zookeeper", c.connect, "--create", "--topic", topic, "--partitions", "1", "--replication-factor", "1"); run.ExitCode != 0 {
				t.Fatalf("create %s: %+v", topic, run)
			}
			c.waitLeaders(topic, 1)
			rec.setPhase(topic + "-produce")
			run := harness.Kcat(t, "k1:v1\nk2:v2\nk3:v3\n", old(tc.fallback, "-P", "-t", topic, "-K", ":", "-z", tc.codec)...)
			if run.ExitCode != 0 {
				t.Fatalf("kcat produce: %+v", run)
			}
			rec.setPhase(topic + "-consume")
			run = harness.Kcat(t, "", old(tc.fallback, "-C", "-t", topic, "-o", "beginning", "-e", "-f", `%o:%k:%s\n`)...)
			if want := "0:k1:v1\n1:k2:v2\n2:k3:v3\n"; run.ExitCode != 0 || run.Stdout != want {
				t.Fatalf("kcat consume: exit %d, stdout %q, want %q\nstderr: %s", run.ExitCode, run.Stdout, want, run.Stderr)
			}
			rec.setPhase("")
			if got := rec.versions(topic+"-produce", 0); fmt.Sprint(got) != fmt.Sprint([]int16{tc.version}) {
				t.Errorf("Produce versions on the wire %v, want [%d]", got, tc.version)
			}
			if got := rec.versions(topic+"-consume", 1); fmt.Sprint(got) != fmt.Sprint([]int16{tc.version}) {
				t.Errorf("Fetch versions on the wire %v, want [%d]", got, tc.version)
			}
		})
	}

	// A modern producer's compressed batch, with headers, read by old
	// consumers: down-converted to magic 0 and 1 wrappers.
	topic := "old-modern"
	if run := c.topics("--zookeeper", c.connect, "--create", "--topic", topic, "--partitions", "1", "--replication-factor", "1"); run.ExitCode != 0 {
		t.Fatalf("create %s: %+v", topic, run)
	}
	c.waitLeaders(topic, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers[0].Addr()), kgo.ProducerBatchCompression(kgo.GzipCompression()),
		kgo.ProducerLinger(50*time.Millisecond), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for i := range 3 {
		recs = append(recs, &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "m%d", i),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for _, fb := range []string{"0.8.2.2", "0.10.0.0"} {
		run := harness.Kcat(t, "", old(fb, "-C", "-t", topic, "-o", "beginning", "-e", "-f", `%o:%k:%s\n`)...)
		if want := "0:k0:m0\n1:k1:m1\n2:k2:m2\n"; run.ExitCode != 0 || run.Stdout != want {
			t.Errorf("fallback %s: kcat consume of a modern batch: exit %d, stdout %q, want %q\nstderr: %s", fb, run.ExitCode, run.Stdout, want, run.Stderr)
		}
	}
}

// legacyTestSet builds an uncompressed message set of n messages.
func legacyTestSet(magic int8, n int, tag string) []byte {
	var b []byte
	for i := range n {
		b = protocol.AppendLegacyMessage(b, legacyTestMessage(magic, i, tag))
	}
	return b
}

func legacyTestMessage(magic int8, i int, tag string) protocol.LegacyMessage {
	m := protocol.LegacyMessage{Offset: int64(i), Magic: magic, Timestamp: -1, Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "%s-%d", tag, i)}
	if magic == 1 {
		m.Timestamp = 1_700_000_000_000 + int64(i)
	}
	return m
}

func legacyTestWrapper(t *testing.T, magic int8, n int, tag string, codec compress.Codec) []byte {
	t.Helper()
	var inner []protocol.LegacyMessage
	for i := range n {
		inner = append(inner, legacyTestMessage(magic, i, tag))
	}
	b, err := protocol.AppendLegacyWrapper(nil, magic, int64(n-1), inner[n-1].Timestamp, 0, codec, inner)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func modernTestBatch(t *testing.T, n int, tag string) []byte {
	t.Helper()
	var recs []protocol.Record
	for i := range n {
		recs = append(recs, protocol.Record{TimestampDelta: int64(i), OffsetDelta: int32(i), Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "%s-%d", tag, i)})
	}
	b, err := protocol.AppendBatch(nil, protocol.BatchHeader{LastOffsetDelta: int32(n - 1), FirstTimestamp: 1_700_000_000_000, MaxTimestamp: 1_700_000_000_000 + int64(n-1),
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: int32(n)}, recs, compress.None)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sideBySide sends the same requests to a Samsa and a Kafka 2.4.1 broker.
type sideBySide struct {
	t            *testing.T
	ctx          context.Context
	samsa, kafka *protocol.Conn
}

// both sends req (built fresh for each broker) and returns both responses
// encoded at the request's version, with throttle times zeroed.
func (s sideBySide) both(build func() kmsg.Request) (samsa, kafka []byte) {
	s.t.Helper()
	enc := func(conn *protocol.Conn) []byte {
		req := build()
		resp, err := conn.RoundTrip(s.ctx, req)
		if err != nil {
			s.t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
		}
		if th, ok := resp.(kmsg.SetThrottleResponse); ok {
			th.SetThrottle(0)
		}
		return resp.AppendTo(nil)
	}
	return enc(s.samsa), enc(s.kafka)
}

// same fails the test when the two brokers answer build differently.
func (s sideBySide) same(what string, build func() kmsg.Request) []byte {
	s.t.Helper()
	a, b := s.both(build)
	if !bytes.Equal(a, b) {
		s.t.Errorf("%s: Samsa answered\n%x\nKafka 2.4.1 answered\n%x", what, a, b)
	}
	return a
}

func produceRequest(version int16, topic string, records []byte) func() kmsg.Request {
	return func() kmsg.Request {
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(version)
		req.Acks, req.TimeoutMillis = 1, 10000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = records
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return req
	}
}

func fetchRequest(version int16, topic string, offset int64, partitionMax int32) func() kmsg.Request {
	return func() kmsg.Request {
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(version)
		req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = -1, 10, 1, 1<<20
		req.SessionID, req.SessionEpoch = 0, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = offset, partitionMax, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return req
	}
}

// createLeaderTopic creates a one-partition topic on the single broker at
// addr and waits until it leads it.
func createLeaderTopic(ctx context.Context, t *testing.T, addr, topic string, configs map[string]*string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopic(ctx, 1, 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s on %s: %v", topic, addr, err)
	}
	eventually(t, time.Minute, topic+" led", func() error {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			return err
		}
		o, ok := ends.Lookup(topic, 0)
		if !ok || o.Err != nil {
			return fmt.Errorf("end offset of %s-0: %v", topic, o.Err)
		}
		return nil
	})
}

// legacyContent is what an old client reads from a message set: offset,
// timestamp, key and value of each message, wrappers opened.
func legacyContent(t *testing.T, set []byte) string {
	t.Helper()
	es, err := protocol.ParseLegacyEntries(set)
	if err != nil {
		t.Fatalf("message set: %v", err)
	}
	// The test's own timestamps are fixed, near 1.7e12; later ones are
	// append times, which differ between the brokers.
	ts := func(v int64) string {
		if v > 1_750_000_000_000 {
			return "now"
		}
		return fmt.Sprint(v)
	}
	var b strings.Builder
	for _, e := range es {
		if e.Compression() == compress.None {
			fmt.Fprintf(&b, "%d/%d/%s/%s/%s ", e.Offset, e.Attributes, ts(e.Timestamp), e.Key, e.Value)
			continue
		}
		inner, err := e.Inner(1 << 20)
		if err != nil {
			t.Fatalf("wrapper at %d: %v", e.Offset, err)
		}
		fmt.Fprintf(&b, "[%s %d/%d/%s: ", e.Compression(), e.Offset, e.Attributes, ts(e.Timestamp))
		for _, m := range inner {
			fmt.Fprintf(&b, "%d/%d/%s/%s/%s ", m.Offset, m.Attributes, ts(m.Timestamp), m.Key, m.Value)
		}
		b.WriteString("] ")
	}
	return b.String()
}

// TestOldClientsMatchKafka sends the same raw Produce (v0-8) and Fetch
// (v0-11) requests to Samsa and to a Kafka 2.4.1 broker and compares the
// responses byte for byte, throttle times aside: up-conversion of plain and
// compressed magic 0 and 1 message sets and its errors, down-conversion at
// every fetch offset, message.downconversion.enable=false, ApiVersions.
func TestOldClientsMatchKafka(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	szk := ensemble.Connect() + harness.Chroot(t)
	sb := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: szk})
	kzk := ensemble.Connect() + harness.Chroot(t)
	kb := harness.StartKafkaBroker(t, harness.BrokerOpts{ID: 1, ZK: kzk})
	harness.WaitCluster(t, szk, 1)
	harness.WaitCluster(t, kzk, 1)
	off, compact, second, hundred, appendTime := "false", "compact", "1000", "100", "LogAppendTime"
	for _, addr := range []string{sb.Addr(), kb.Addr()} {
		createLeaderTopic(ctx, t, addr, "raw", nil)
		createLeaderTopic(ctx, t, addr, "rawz", nil)
		createLeaderTopic(ctx, t, addr, "nodown", map[string]*string{"message.downconversion.enable": &off})
		createLeaderTopic(ctx, t, addr, "rawc", map[string]*string{"cleanup.policy": &compact})
		createLeaderTopic(ctx, t, addr, "rawt", map[string]*string{"message.timestamp.difference.max.ms": &second})
		createLeaderTopic(ctx, t, addr, "rawm", map[string]*string{"max.message.bytes": &hundred})
		createLeaderTopic(ctx, t, addr, "rawl", map[string]*string{"message.timestamp.type": &appendTime})
		createLeaderTopic(ctx, t, addr, "rawzstd", nil)
	}
	sc, err := protocol.Dial(ctx, sb.Addr(), "oldclients")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	kc, err := protocol.Dial(ctx, kb.Addr(), "oldclients")
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	s := sideBySide{t: t, ctx: ctx, samsa: sc, kafka: kc}

	// ApiVersions: the Produce and Fetch ranges (Samsa serves fewer APIs
	// than Kafka otherwise).
	a, b := s.both(func() kmsg.Request { r := kmsg.NewPtrApiVersionsRequest(); r.SetVersion(0); return r })
	ranges := func(raw []byte) string {
		var r kmsg.ApiVersionsResponse
		if err := r.ReadFrom(raw); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range r.ApiKeys {
			if k.ApiKey <= 1 {
				out = append(out, fmt.Sprintf("key %d: %d-%d", k.ApiKey, k.MinVersion, k.MaxVersion))
			}
		}
		return strings.Join(out, ", ")
	}
	if ranges(a) != ranges(b) {
		t.Errorf("ApiVersions: Samsa %s, Kafka 2.4.1 %s", ranges(a), ranges(b))
	}

	// Partition data without one complete message: neither broker can
	// parse the request, both close the connection.
	for _, addr := range []string{sb.Addr(), kb.Addr()} {
		conn, err := protocol.Dial(ctx, addr, "oldclients")
		if err != nil {
			t.Fatal(err)
		}
		req := produceRequest(1, "raw", legacyTestSet(0, 1, "cut")[:20])()
		if resp, err := conn.RoundTrip(ctx, req); err == nil {
			t.Errorf("%s answered a produce without a complete message: %+v", addr, resp)
		}
		conn.Close()
	}

	// Refused produces leave the log alone; each is compared.
	corrupt := legacyTestSet(1, 2, "bad")
	corrupt[len(corrupt)-1] ^= 0xff
	gaps := []protocol.LegacyMessage{legacyTestMessage(1, 0, "gap"), legacyTestMessage(1, 5, "gap")}
	gapWrapper, err := protocol.AppendLegacyWrapper(nil, 1, 5, 0, 0, compress.Gzip, gaps)
	if err != nil {
		t.Fatal(err)
	}
	noKey := legacyTestMessage(0, 0, "nokey")
	noKey.Key = nil
	noKey1 := legacyTestMessage(1, 0, "nokey")
	noKey1.Key = nil
	noKeyWrapper, err := protocol.AppendLegacyWrapper(nil, 1, 0, noKey1.Timestamp, 0, compress.Gzip, []protocol.LegacyMessage{noKey1})
	if err != nil {
		t.Fatal(err)
	}
	lat := legacyTestMessage(1, 0, "lat")
	lat.Attributes = 0x08
	refused := []struct {
		name    string
		version int16
		set     []byte
		topic   string
	}{
		{"corrupt CRC", 2, corrupt, "raw"},
		{"null key on a compacted topic", 0, protocol.AppendLegacyMessage(nil, noKey), "rawc"},
		{"null key on a compacted topic, compressed", 2, noKeyWrapper, "rawc"},
		{"timestamp out of range", 2, legacyTestSet(1, 2, "old"), "rawt"},
		{"LogAppendTime from a producer", 2, protocol.AppendLegacyMessage(nil, lat), "raw"},
		{"message above max.message.bytes", 0, protocol.AppendLegacyMessage(nil, protocol.LegacyMessage{Value: make([]byte, 100)}), "rawm"},
		{"converted batch above max.message.bytes", 1, legacyTestSet(0, 4, "m"), "rawm"},
		{"two wrappers", 0, append(legacyTestWrapper(t, 0, 1, "w", compress.Gzip), legacyTestWrapper(t, 0, 1, "w", compress.Gzip)...), "raw"},
		{"mixed magic", 2, append(legacyTestSet(0, 1, "mix"), legacyTestSet(1, 1, "mix")...), "raw"},
		{"inner offsets with a gap", 2, gapWrapper, "raw"},
		{"magic 2 batch at v3 only", 3, legacyTestSet(1, 1, "v3"), "raw"},
	}
	for _, r := range refused {
		got := s.same("produce "+r.name, produceRequest(r.version, r.topic, r.set))
		var resp kmsg.ProduceResponse
		resp.SetVersion(r.version)
		if err := resp.ReadFrom(got); err != nil || resp.Topics[0].Partitions[0].ErrorCode == 0 {
			t.Errorf("produce %s: accepted (%v)", r.name, err)
		}
	}

	// One produce per version, plain: the stored batches must then be the
	// same bytes on both brokers, which every fetch below checks.
	for v := int16(0); v <= 8; v++ {
		var set []byte
		switch {
		case v <= 1:
			set = legacyTestSet(0, 2, fmt.Sprintf("p%d", v))
		case v == 2:
			set = legacyTestSet(1, 2, "p2")
		default:
			set = modernTestBatch(t, 2, fmt.Sprintf("p%d", v))
		}
		s.same(fmt.Sprintf("produce v%d", v), produceRequest(v, "raw", set))
	}
	for v := int16(0); v <= 11; v++ {
		for _, offset := range []int64{0, 3, 17} {
			s.same(fmt.Sprintf("fetch v%d from %d", v, offset), fetchRequest(v, "raw", offset, 1<<20))
		}
	}
	// Partition limits that cut a batch: v3+ still returns a first batch
	// above the limit (KIP-74), v0-2 send the start of it unconverted;
	// a later batch is cut at the limit, and the down-conversion is cut
	// or padded to the bytes read. (From v4 on Samsa sends whole batches
	// only, where Kafka sends the start of the next one too.)
	for _, v := range []int16{0, 2, 3} {
		for _, limit := range []int32{10, 80, 200} {
			s.same(fmt.Sprintf("fetch v%d, %d-byte partition limit", v, limit), fetchRequest(v, "raw", 0, limit))
		}
	}
	s.same("fetch v4, 10-byte partition limit", fetchRequest(4, "raw", 0, 10))

	// Compressed: the codecs' bytes differ between Java and Go, so the
	// produce answers are compared as bytes and the fetched message sets
	// by what an old client reads from them.
	compressed := []struct {
		version int16
		set     []byte
	}{
		{0, legacyTestWrapper(t, 0, 3, "z0", compress.Gzip)},
		{1, legacyTestWrapper(t, 0, 2, "z1", compress.Snappy)},
		{2, legacyTestWrapper(t, 1, 3, "z2", compress.Gzip)},
		{2, legacyTestWrapper(t, 1, 2, "z2", compress.LZ4)},
		{0, legacyTestWrapper(t, 0, 2, "z0", compress.LZ4)},
	}
	for _, c := range compressed {
		s.same(fmt.Sprintf("produce v%d, compressed", c.version), produceRequest(c.version, "rawz", c.set))
	}
	// Each broker is read the way an old consumer reads: whole messages
	// only, the next fetch from the offset after the last one read, until
	// the high watermark. Where the converted data is cut depends on the
	// codecs' output sizes, so the responses may split differently; what
	// the consumer reads must not differ.
	consume := func(conn *protocol.Conn, topic string, v int16, offset int64) string {
		var out strings.Builder
		for range 20 {
			resp, err := conn.RoundTrip(ctx, fetchRequest(v, topic, offset, 1<<20)())
			if err != nil {
				t.Fatal(err)
			}
			p := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
			if p.ErrorCode != 0 || offset >= p.HighWatermark {
				fmt.Fprintf(&out, "code %d hw %d", p.ErrorCode, p.HighWatermark)
				return out.String()
			}
			out.WriteString(legacyContent(t, p.RecordBatches))
			es, err := protocol.ParseLegacyEntries(p.RecordBatches)
			if err != nil || len(es) == 0 {
				t.Fatalf("fetch v%d %s from %d: %d messages, %v", v, topic, offset, len(es), err)
			}
			offset = es[len(es)-1].Offset + 1
		}
		return out.String() + "..."
	}
	for _, v := range []int16{0, 1, 2, 3} {
		for _, offset := range []int64{0, 4} {
			if sc, kc := consume(sc, "rawz", v, offset), consume(kc, "rawz", v, offset); sc != kc {
				t.Errorf("fetch v%d rawz from %d:\nSamsa: %s\nKafka: %s", v, offset, sc, kc)
			}
		}
	}

	// LogAppendTime: the append time is the batch's, and each converted
	// message's, with the timestamp type bit; answers and messages are
	// compared with append times masked.
	appended := []struct {
		version int16
		set     []byte
	}{
		{0, legacyTestSet(0, 2, "l0")},
		{2, legacyTestSet(1, 2, "l2")},
		{2, legacyTestWrapper(t, 1, 2, "l2z", compress.Gzip)},
		{3, modernTestBatch(t, 2, "l3")},
	}
	for _, a := range appended {
		sa, ka := s.both(produceRequest(a.version, "rawl", a.set))
		var sr, kr kmsg.ProduceResponse
		sr.SetVersion(a.version)
		kr.SetVersion(a.version)
		if sr.ReadFrom(sa) != nil || kr.ReadFrom(ka) != nil {
			t.Fatalf("produce v%d to rawl: undecodable answers", a.version)
		}
		sp, kp := sr.Topics[0].Partitions[0], kr.Topics[0].Partitions[0]
		if sp.ErrorCode != kp.ErrorCode || sp.BaseOffset != kp.BaseOffset || (sp.LogAppendTime == -1) != (kp.LogAppendTime == -1) {
			t.Errorf("produce v%d to rawl: Samsa %+v, Kafka %+v", a.version, sp, kp)
		}
	}
	for _, v := range []int16{0, 1, 2, 3} {
		if sc, kc := consume(sc, "rawl", v, 0), consume(kc, "rawl", v, 0); sc != kc {
			t.Errorf("fetch v%d rawl:\nSamsa: %s\nKafka: %s", v, sc, kc)
		}
	}

	// A zstd batch on a topic that takes the producer's codec cannot be
	// down-converted: UNSUPPORTED_COMPRESSION_TYPE below v4.
	zrecs := []protocol.Record{{Value: []byte("zstd")}}
	zb, err := protocol.AppendBatch(nil, protocol.BatchHeader{FirstTimestamp: 1_700_000_000_000, MaxTimestamp: 1_700_000_000_000,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: 1}, zrecs, compress.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	s.same("produce v7 zstd", produceRequest(7, "rawzstd", zb))
	for _, v := range []int16{0, 2, 3} {
		s.same(fmt.Sprintf("fetch v%d of a zstd batch", v), fetchRequest(v, "rawzstd", 0, 1<<20))
	}

	// message.downconversion.enable=false: old consumers are refused,
	// new ones are not.
	s.same("produce to nodown", produceRequest(3, "nodown", modernTestBatch(t, 1, "n")))
	for _, v := range []int16{0, 2, 3, 4} {
		got := s.same(fmt.Sprintf("fetch v%d from nodown", v), fetchRequest(v, "nodown", 0, 1<<20))
		var r kmsg.FetchResponse
		r.SetVersion(v)
		if err := r.ReadFrom(got); err != nil {
			t.Fatal(err)
		}
		if want := v < 4; (r.Topics[0].Partitions[0].ErrorCode == kerr.UnsupportedVersion.Code) != want {
			t.Errorf("fetch v%d from nodown: %v", v, kerr.ErrorForCode(r.Topics[0].Partitions[0].ErrorCode))
		}
	}
}
