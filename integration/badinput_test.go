package integration

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// badFrame appends a size-prefixed request frame: header v1 (v2 when
// flexible) with correlation id 7 and client id "bad-input", then body.
func badFrame(key, version int16, flexible bool, body []byte) []byte {
	b := []byte{0, 0, 0, 0}
	b = kbin.AppendInt16(b, key)
	b = kbin.AppendInt16(b, version)
	b = kbin.AppendInt32(b, 7)
	b = kbin.AppendString(b, "bad-input")
	if flexible {
		b = append(b, 0)
	}
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// kmsgFrame frames req at the version set on it.
func kmsgFrame(req kmsg.Request) []byte {
	return badFrame(req.Key(), req.GetVersion(), req.IsFlexible(), req.AppendTo(nil))
}

// sizePrefix is a frame that is only a size prefix.
func sizePrefix(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// wantClosed sends raw on a new connection to addr (then, if halfClose,
// ends the sending side) and expects the broker to close the connection
// without answering, as Kafka's SocketServer does for a request it cannot
// parse.
func wantClosed(t *testing.T, addr string, raw []byte, halfClose bool) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(raw); err != nil {
		// The broker may close before it read everything we sent.
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("write: %v", err)
		}
	}
	if halfClose {
		_ = nc.(*net.TCPConn).CloseWrite()
	}
	_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	var buf [64]byte
	n, err := nc.Read(buf[:])
	switch {
	case n > 0:
		t.Errorf("broker answered %x, want the connection closed", buf[:n])
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
	default:
		t.Errorf("read: %v, want the connection closed", err)
	}
}

// rawRoundTrip sends raw on a new connection and returns the body of the
// response frame after its correlation id (and, for flexibleHeader, the
// response header's tag buffer).
func rawRoundTrip(t *testing.T, addr string, raw []byte, flexibleHeader bool) []byte {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := nc.Write(raw); err != nil {
		t.Fatal(err)
	}
	frame, err := protocol.ReadFrame(nc, 1<<24)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	if len(frame) < 4 || binary.BigEndian.Uint32(frame) != 7 {
		t.Fatalf("response %x: want correlation id 7", frame)
	}
	body := frame[4:]
	if flexibleHeader {
		if len(body) == 0 || body[0] != 0 {
			t.Fatalf("response header tags %x", body)
		}
		body = body[1:]
	}
	return body
}

// dpBatch is a valid magic 2 batch of values, uncompressed.
func dpBatch(t *testing.T, values ...[]byte) []byte {
	t.Helper()
	var recs []protocol.Record
	for i, v := range values {
		recs = append(recs, protocol.Record{OffsetDelta: int32(i), Value: v})
	}
	b, err := protocol.AppendBatch(nil, protocol.BatchHeader{NumRecords: int32(len(values)), LastOffsetDelta: int32(len(values) - 1),
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, FirstTimestamp: time.Now().UnixMilli(), MaxTimestamp: time.Now().UnixMilli()}, recs, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wellBehaved is a kgo producer and a kgo consumer working on one topic
// while the catalogue runs; they must see no errors.
type wellBehaved struct {
	t      *testing.T
	topic  string
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	errs     []error
	produced map[int32][]string
	consumed map[int32][]string
}

func startWellBehaved(t *testing.T, seeds, topic string) *wellBehaved {
	w := &wellBehaved{t: t, topic: topic, produced: map[int32][]string{}, consumed: map[int32][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	prod, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.FetchMaxWait(200*time.Millisecond),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart(), 1: kgo.NewOffset().AtStart(), 2: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.stop(); prod.Close(); cons.Close() })
	produced := make(chan struct{})
	w.wg.Add(2)
	go func() {
		defer w.wg.Done()
		defer close(produced)
		for i := 0; ctx.Err() == nil; i++ {
			var recs []*kgo.Record
			for p := int32(0); p < 3; p++ {
				recs = append(recs, &kgo.Record{Partition: p, Value: []byte(fmt.Sprintf("good-%d-%d", p, i))})
			}
			pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := prod.ProduceSync(pctx, recs...).FirstErr()
			pcancel()
			w.mu.Lock()
			if err != nil {
				w.errs = append(w.errs, fmt.Errorf("produce: %w", err))
			} else {
				for _, r := range recs {
					w.produced[r.Partition] = append(w.produced[r.Partition], string(r.Value))
				}
			}
			w.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	go func() {
		defer w.wg.Done()
		for ctx.Err() == nil {
			w.poll(ctx, cons)
		}
		// Read whatever the producer wrote before it stopped.
		<-produced
		dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
		defer dcancel()
		for !w.caughtUp() && dctx.Err() == nil {
			w.poll(dctx, cons)
		}
	}()
	return w
}

func (w *wellBehaved) poll(ctx context.Context, cons *kgo.Client) {
	fs := cons.PollFetches(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	fs.EachError(func(topic string, p int32, err error) {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			w.errs = append(w.errs, fmt.Errorf("fetch %s[%d]: %w", topic, p, err))
		}
	})
	fs.EachRecord(func(r *kgo.Record) { w.consumed[r.Partition] = append(w.consumed[r.Partition], string(r.Value)) })
}

// waitProduced waits until the producer has written n records, so the
// catalogue runs while the client is busy.
func (w *wellBehaved) waitProduced(n int) {
	w.t.Helper()
	eventually(w.t, time.Minute, "well-behaved producer running", func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		total := 0
		for _, vs := range w.produced {
			total += len(vs)
		}
		if total < n {
			return fmt.Errorf("%d records produced, errors %v", total, w.errs)
		}
		return nil
	})
}

func (w *wellBehaved) caughtUp() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, vs := range w.produced {
		if len(w.consumed[p]) < len(vs) {
			return false
		}
	}
	return true
}

func (w *wellBehaved) stop() {
	w.cancel()
	w.wg.Wait()
}

// check stops the clients and fails the test if either saw an error or the
// consumer did not read exactly what the producer wrote, in order.
func (w *wellBehaved) check() {
	w.t.Helper()
	w.stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, err := range w.errs {
		w.t.Errorf("well-behaved client: %v", err)
	}
	total := 0
	for p, vs := range w.produced {
		total += len(vs)
		if got := w.consumed[p]; strings.Join(got, ",") != strings.Join(vs, ",") {
			w.t.Errorf("partition %d: consumed %d records, produced %d, or out of order", p, len(got), len(vs))
		}
	}
	if total == 0 {
		w.t.Errorf("the well-behaved producer wrote nothing")
	}
	w.t.Logf("well-behaved client produced and consumed %d records", total)
}

// TestBadInput sends a catalogue of malformed and invalid requests to a live
// broker while a well-behaved client produces and consumes. The broker must
// answer what Kafka answers (an error code, or closing the connection when
// the request cannot be parsed), stay up, and the client must see nothing.
func TestBadInput(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	dpCreateTopic(c, "victim", 1, 1, "--replica-assignment", "1")
	dpCreateTopic(c, "good", 3, 3)
	target := c.brokers[0].Addr() // leads victim-0
	good := startWellBehaved(t, c.bootstrap(), "good")
	good.waitProduced(30)

	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	metadata := kmsg.NewPtrMetadataRequest()
	metadata.SetVersion(8)
	metaFrame := kmsgFrame(metadata)

	// Requests that cannot be parsed: Kafka closes the connection.
	closed := []struct {
		name      string
		raw       []byte
		halfClose bool
	}{
		{"huge length prefix", sizePrefix(0x7fffffff), false},
		{"negative length prefix", sizePrefix(0xffffffff), false},
		{"length above socket.request.max.bytes", sizePrefix(104857601), false},
		{"truncated frame", append(sizePrefix(100), random(50)...), true},
		{"frame shorter than a header", append(sizePrefix(3), 0, 3, 0), false},
		{"truncated body", func() []byte {
			b := append([]byte(nil), metaFrame[:len(metaFrame)-3]...)
			binary.BigEndian.PutUint32(b, uint32(len(b)-4))
			return b
		}(), false},
		{"unknown api key 99", badFrame(99, 0, false, nil), false},
		{"unknown api key -1", badFrame(-1, 0, false, nil), false},
		{"api key 48 (not in 2.4)", badFrame(48, 0, false, nil), false},
		{"Produce v9", badFrame(0, 9, true, random(20)), false},
		{"Fetch v12", badFrame(1, 12, true, random(20)), false},
		{"Metadata v10", badFrame(3, 10, true, nil), false},
		{"Metadata v-1", badFrame(3, -1, false, nil), false},
		// A null transactional id, acks -1, timeout 0, then 1000 topics
		// that never come.
		{"Produce body claiming 1000 topics", badFrame(0, 7, false, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x03, 0xe8}), false},
	}
	for _, tc := range closed {
		t.Run(tc.name, func(t *testing.T) { wantClosed(t, target, tc.raw, tc.halfClose) })
	}

	// Random bytes: whatever the broker makes of them, it must not crash;
	// the checks after the catalogue tell.
	t.Run("random bytes", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			nc, err := net.DialTimeout("tcp", target, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			raw := random(64 + rng.IntN(2000))
			if i%2 == 0 {
				// Framed, so the broker parses the garbage as a request.
				binary.BigEndian.PutUint32(raw, uint32(len(raw)-4))
			}
			_, _ = nc.Write(raw)
			_ = nc.Close()
		}
	})

	t.Run("ApiVersions v4", func(t *testing.T) {
		// KIP-511: a v0 body with UNSUPPORTED_VERSION and our ranges, and a
		// v0 response header.
		body := rawRoundTrip(t, target, badFrame(18, 4, true, []byte{0, 0, 0}), false)
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.SetVersion(0)
		if err := resp.ReadFrom(body); err != nil {
			t.Fatalf("v0 body %x: %v", body, err)
		}
		if resp.ErrorCode != kerr.UnsupportedVersion.Code || len(resp.ApiKeys) == 0 {
			t.Errorf("error %v, %d api keys", kerr.ErrorForCode(resp.ErrorCode), len(resp.ApiKeys))
		}
	})

	// Odd client ids are the client's business (a null one, commas, UTF-8).
	for _, id := range []*string{nil, kmsg.StringPtr("a,b=c;d"), kmsg.StringPtr("ünïcødé ☃"), kmsg.StringPtr("")} {
		name := "null"
		if id != nil {
			name = *id
		}
		t.Run(fmt.Sprintf("client id %q", name), func(t *testing.T) {
			raw := []byte{0, 0, 0, 0}
			raw = kbin.AppendInt16(raw, 3)
			raw = kbin.AppendInt16(raw, 8)
			raw = kbin.AppendInt32(raw, 7)
			raw = kbin.AppendNullableString(raw, id)
			raw = append(raw, metadata.AppendTo(nil)...)
			binary.BigEndian.PutUint32(raw, uint32(len(raw)-4))
			resp := kmsg.NewPtrMetadataResponse()
			resp.SetVersion(8)
			if err := resp.ReadFrom(rawRoundTrip(t, target, raw, false)); err != nil || len(resp.Brokers) != 3 {
				t.Errorf("Metadata v8: %v, %d brokers", err, len(resp.Brokers))
			}
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := protocol.Dial(ctx, target, "bad-input")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	corrupt := dpBatch(t, []byte("a value whose CRC will not match"))
	corrupt[len(corrupt)-5] ^= 0xff
	large := dpBatch(t, random(1100000)) // above max.message.bytes (1000012)
	produceCases := []struct {
		name  string
		batch []byte
		acks  int16
		want  *kerr.Error
	}{
		{"valid batch", dpBatch(t, []byte("fine")), -1, nil},
		{"bad CRC", corrupt, -1, kerr.CorruptMessage},
		{"oversized batch", large, 1, kerr.MessageTooLarge},
		{"acks=2", dpBatch(t, []byte("two acks")), 2, kerr.InvalidRequiredAcks},
		{"acks=-2", dpBatch(t, []byte("minus two acks")), -2, kerr.InvalidRequiredAcks},
	}
	for _, tc := range produceCases {
		t.Run(tc.name, func(t *testing.T) {
			code := dpProduceCode(t, ctx, conn, "victim", 0, tc.batch, tc.acks)
			if got := kerr.ErrorForCode(code); got != errOrNil(tc.want) {
				t.Errorf("produce: %v, want %v", got, tc.want)
			}
		})
	}

	for _, name := range []string{"bad topic!", ".", "..", strings.Repeat("a", 250), "with/slash", ""} {
		t.Run(fmt.Sprintf("invalid topic %.20q", name), func(t *testing.T) {
			req := kmsg.NewPtrMetadataRequest()
			req.SetVersion(8)
			req.AllowAutoTopicCreation = true
			mt := kmsg.NewMetadataRequestTopic()
			mt.Topic = kmsg.StringPtr(name)
			req.Topics = append(req.Topics, mt)
			resp, err := conn.RoundTrip(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			mr := resp.(*kmsg.MetadataResponse)
			if len(mr.Topics) != 1 || mr.Topics[0].ErrorCode != kerr.InvalidTopicException.Code {
				t.Errorf("metadata with auto-creation: %+v, want INVALID_TOPIC_EXCEPTION", mr.Topics)
			}

			creq := kmsg.NewPtrCreateTopicsRequest()
			creq.SetVersion(4)
			creq.TimeoutMillis = 10000
			ct := kmsg.NewCreateTopicsRequestTopic()
			ct.Topic, ct.NumPartitions, ct.ReplicationFactor = name, 1, 1
			creq.Topics = append(creq.Topics, ct)
			cresp, err := conn.RoundTrip(ctx, creq)
			if err != nil {
				t.Fatal(err)
			}
			cr := cresp.(*kmsg.CreateTopicsResponse)
			if len(cr.Topics) != 1 || cr.Topics[0].ErrorCode != kerr.InvalidTopicException.Code {
				t.Errorf("create topics: %+v, want INVALID_TOPIC_EXCEPTION", cr.Topics)
			}
		})
	}

	// Afterwards: every broker is up and answers, the connection that sent
	// the invalid requests still works, and the well-behaved client saw
	// nothing.
	for _, b := range c.brokers {
		if exited, err := b.Exited(); exited {
			t.Errorf("broker %d exited: %v", b.ID(), err)
		}
	}
	if code := dpProduceCode(t, ctx, conn, "victim", 0, dpBatch(t, []byte("still fine")), -1); code != 0 {
		t.Errorf("valid produce after the catalogue: %v", kerr.ErrorForCode(code))
	}
	good.check()
}

// errOrNil turns a nil *kerr.Error into a nil error.
func errOrNil(e *kerr.Error) error {
	if e == nil {
		return nil
	}
	return e
}
