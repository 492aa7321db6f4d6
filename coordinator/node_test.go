package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/samsa-broker/samsa/coordinator/zktest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fakeTransport records control requests and answers them with success.
type fakeTransport struct {
	mu   sync.Mutex
	sent []sentRequest
	// handle, when set, may answer a request itself.
	handle func(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, bool)
}

type sentRequest struct {
	addr string
	req  kmsg.Request
}

func (f *fakeTransport) RoundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error) {
	f.mu.Lock()
	f.sent = append(f.sent, sentRequest{addr, req})
	handle := f.handle
	f.mu.Unlock()
	if handle != nil {
		if resp, ok := handle(ctx, addr, req); ok {
			return resp, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := req.ResponseKind()
	if sr, ok := req.(*kmsg.StopReplicaRequest); ok {
		r := resp.(*kmsg.StopReplicaResponse)
		for _, t := range sr.Topics {
			for _, p := range t.Partitions {
				r.Partitions = append(r.Partitions, kmsg.StopReplicaResponsePartition{Topic: t.Topic, Partition: p})
			}
		}
	}
	return resp, nil
}

func (f *fakeTransport) requests() []sentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentRequest(nil), f.sent...)
}

func brokerAddr(id int32) string { return "127.0.0.1:" + string(rune('0'+id)) + "9092" }

func newTestNode(t *testing.T, srv *zktest.Server, id int32, tr Transport, opts ...DialOption) (*Node, *ZK) {
	t.Helper()
	z := dialZK(t, srv, opts...)
	if tr == nil {
		tr = &fakeTransport{}
	}
	n := NewNode(z, NodeConfig{
		BrokerID:            id,
		Endpoints:           []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092 + id, SecurityProtocol: "PLAINTEXT"}},
		InterBrokerListener: "PLAINTEXT",
		DeleteTopicEnable:   true,
	}, tr, testLog(t).WithField("node", id))
	t.Cleanup(func() { n.Close() })
	if _, err := n.Prepare(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return n, z
}

func TestPrepareCreatesPathsAndClusterID(t *testing.T) {
	srv := zktest.Start(t)
	n, z := newTestNode(t, srv, 1, nil)
	ctx := testCtx(t)
	for _, p := range PersistentPaths() {
		data, _, err := z.Get(ctx, p)
		if err != nil || data != nil {
			t.Errorf("%s: data %q err %v (want null data)", p, data, err)
		}
	}
	id1, err := n.Prepare(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := z.Get(ctx, ClusterIDPath)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(data, &j); err != nil || j["version"] != "1" || j["id"] != id1 || len(id1) != 22 {
		t.Errorf("/cluster/id = %s (%v)", data, err)
	}
	n2, _ := newTestNode(t, srv, 2, nil)
	if id2, err := n2.Prepare(ctx); err != nil || id2 != id1 {
		t.Errorf("second broker got cluster id %q, want %q (%v)", id2, id1, err)
	}
}

func TestRegisterBroker(t *testing.T) {
	srv := zktest.Start(t)
	n, z := newTestNode(t, srv, 1, nil)
	ctx := testCtx(t)
	epoch, err := n.Register(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, st, err := z.Get(ctx, BrokerPath(1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Czxid != epoch || n.BrokerEpoch() != epoch || st.EphemeralOwner != z.SessionID() || st.Version != 1 {
		t.Errorf("stat %+v epoch %d session %x", st, epoch, z.SessionID())
	}
	var j map[string]any
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"listener_security_protocol_map": map[string]any{"PLAINTEXT": "PLAINTEXT"},
		"endpoints":                      []any{"PLAINTEXT://127.0.0.1:9093"},
		"jmx_port":                       float64(-1), "host": "127.0.0.1", "port": float64(9093), "version": float64(4),
	}
	ts, _ := j["timestamp"].(string)
	delete(j, "timestamp")
	if !reflect.DeepEqual(j, want) || ts == "" {
		t.Errorf("broker znode %s", data)
	}
	if !strings.HasPrefix(string(data), `{"listener_security_protocol_map":`) {
		t.Errorf("key order: %s", data)
	}

	// A second broker with the same id is refused.
	n2, _ := newTestNode(t, srv, 1, nil)
	_, err = n2.Register(ctx)
	if !errors.Is(err, ErrBrokerIDInUse) || !strings.Contains(err.Error(), "broker.id 1") {
		t.Errorf("duplicate registration: %v", err)
	}
	// Another id advertising the same host:port is refused, like Kafka.
	clash := NewNode(dialZK(t, srv), NodeConfig{BrokerID: 9, Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9093, SecurityProtocol: "PLAINTEXT"}}}, nil, nil)
	t.Cleanup(func() { clash.Close() })
	if _, err := clash.Register(ctx); !errors.Is(err, ErrEndpointInUse) || !strings.Contains(err.Error(), "Configured end points 127.0.0.1:9093 in advertised listeners are already registered by broker 1") {
		t.Errorf("endpoint clash: %v", err)
	}
	// Close deregisters.
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := z.Exists(ctx, BrokerPath(1)); ok {
		t.Error("/brokers/ids/1 survived Close")
	}
	if _, err := n2.Register(ctx); err != nil {
		t.Errorf("registration after the first broker left: %v", err)
	}
}

func controllerEpoch(t *testing.T, z *ZK) int32 {
	t.Helper()
	data, _, err := z.Get(testCtx(t), ControllerEpochPath)
	if err != nil {
		t.Fatal(err)
	}
	e, err := DecodeControllerEpoch(data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestElectionAndFailover(t *testing.T) {
	srv := zktest.Start(t)
	ctx := testCtx(t)
	cutters := map[int32]*cutter{}
	nodes := map[int32]*Node{}
	zks := map[int32]*ZK{}
	for id := int32(1); id <= 3; id++ {
		cutters[id] = &cutter{}
		nodes[id], zks[id] = newTestNode(t, srv, id, nil, WithDialer(cutters[id].dial))
		if _, err := nodes[id].Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	active := func() []int32 {
		var ids []int32
		for id, n := range nodes {
			if n.IsController() {
				ids = append(ids, id)
			}
		}
		return ids
	}
	waitFor(t, "one controller", func() bool { return len(active()) == 1 })
	first := active()[0]
	id, ok, err := zks[first].ControllerID(ctx)
	if err != nil || !ok || id != first {
		t.Fatalf("/controller names %d (%v %v), active node %d", id, ok, err, first)
	}
	data, _, _ := zks[first].Get(ctx, ControllerPath)
	if !strings.HasPrefix(string(data), `{"version":1,"brokerid":`+string(rune('0'+first))+`,"timestamp":"`) {
		t.Errorf("/controller data %s", data)
	}
	e1 := controllerEpoch(t, zks[first])

	// Kill the controller: its session ends without deregistering.
	zks[first].Close()
	delete(nodes, first)
	waitFor(t, "a new controller", func() bool { return len(active()) == 1 })
	second := active()[0]
	e2 := controllerEpoch(t, zks[second])
	if second == first || e2 <= e1 {
		t.Fatalf("controller %d epoch %d after %d epoch %d", second, e2, first, e1)
	}

	// Session expiry of the new controller: another takes over, and the
	// expired node re-registers with a new broker epoch.
	oldEpoch := nodes[second].BrokerEpoch()
	cutters[second].expire(t)
	waitFor(t, "re-registration after expiry", func() bool { return nodes[second].BrokerEpoch() > oldEpoch })
	waitFor(t, "a controller after expiry", func() bool { return len(active()) == 1 })
	third := active()[0]
	if e3 := controllerEpoch(t, zks[third]); e3 <= e2 {
		t.Errorf("epoch %d after expiry, was %d", e3, e2)
	}
	if ok, _, _ := zks[third].Exists(ctx, BrokerPath(second)); !ok {
		t.Error("expired broker did not re-register")
	}
}

func TestBriefDisconnectionKeepsController(t *testing.T) {
	srv := zktest.Start(t)
	ctx := testCtx(t)
	c := &cutter{}
	n, z := newTestNode(t, srv, 1, nil, WithDialer(c.dial))
	if _, err := n.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "controller", n.IsController)
	epoch := controllerEpoch(t, z)
	sub := z.Subscribe()
	c.cut()
	ev, err := sub.Next(ctx)
	if err != nil || ev.State != SessionDisconnected {
		t.Fatalf("event %+v %v", ev, err)
	}
	c.restore()
	ev, err = sub.Next(ctx)
	if err != nil || ev.State != SessionConnected || ev.NewSession {
		t.Fatalf("event %+v %v", ev, err)
	}
	// Same session: still registered, still controller, same epoch, and
	// the controller still reacts to new topics.
	if err := z.CreateTopic(ctx, "after", map[int32][]int32{0: {1}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "state of a topic created after the reconnection", func() bool {
		return readStateJSON(t, z, TopicPartition{Topic: "after", Partition: 0}) != ""
	})
	if !n.IsController() || controllerEpoch(t, z) != epoch {
		t.Errorf("controller %v epoch %d (was %d)", n.IsController(), controllerEpoch(t, z), epoch)
	}
}
