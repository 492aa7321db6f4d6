package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// harness is one started Server on 127.0.0.1:0 with fakes.
type harness struct {
	t     *testing.T
	s     *Server
	node  *fakeNode
	admin *fakeAdmin
	logs  *fakeLogs
	addr  string
	port  int32
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.BrokerID = 1
	cfg.Listeners = []Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
	cfg.LogDirs = []string{"data"}
	cfg.ControlledShutdown.RetryBackoff = time.Millisecond
	return cfg
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	return newHarnessTransport(t, mod, nil)
}

// newHarnessTransport is newHarness with a Transport for the replica fetcher.
func newHarnessTransport(t *testing.T, mod func(*Config), tr Transport) *harness {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	h := &harness{t: t, node: &fakeNode{clusterID: "cluster-A", epoch: 100, controller: true}, admin: newFakeAdmin(), logs: newFakeLogs()}
	s, err := New(cfg, Deps{Node: h.node, Admin: h.admin, Logs: h.logs, Transport: tr}, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	h.s = s
	h.addr = s.Addrs()[0].String()
	_, port, _ := net.SplitHostPort(h.addr)
	p, _ := strconv.Atoi(port)
	h.port = int32(p)
	return h
}

// client is a raw Kafka client connection.
type client struct {
	t    *testing.T
	nc   net.Conn
	r    *bufio.Reader
	corr int32
	f    *kmsg.RequestFormatter
}

func (h *harness) dial() *client {
	h.t.Helper()
	nc, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { _ = nc.Close() })
	return &client{t: h.t, nc: nc, r: bufio.NewReader(nc), f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("test"))}
}

// send writes req without reading the answer.
func (c *client) send(req kmsg.Request) int32 {
	c.t.Helper()
	c.corr++
	if _, err := c.nc.Write(c.f.AppendRequest(nil, req, c.corr)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.corr
}

// read reads one response for req (sent with correlation corr).
func (c *client) read(req kmsg.Request, corr int32) (kmsg.Response, error) {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	var sz [4]byte
	if _, err := io.ReadFull(c.r, sz[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(sz[:]))
	if _, err := io.ReadFull(c.r, body); err != nil {
		return nil, err
	}
	b := kbin.Reader{Src: body}
	if got := b.Int32(); got != corr {
		c.t.Fatalf("correlation id %d, want %d", got, corr)
	}
	if req.IsFlexible() && req.Key() != 18 {
		kmsg.SkipTags(&b)
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(b.Src); err != nil {
		c.t.Fatalf("decoding %T: %v", resp, err)
	}
	return resp, nil
}

// do sends req at version v and returns the decoded response.
func (c *client) do(req kmsg.Request, v int16) kmsg.Response {
	c.t.Helper()
	req.SetVersion(v)
	corr := c.send(req)
	resp, err := c.read(req, corr)
	if err != nil {
		c.t.Fatalf("reading response to %T: %v", req, err)
	}
	return resp
}

// expectClosed asserts the broker closes the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 1)
	if _, err := c.r.Read(buf); err == nil {
		c.t.Fatalf("connection still open: read a byte")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.t.Fatalf("connection still open after 20s")
	}
}

// updateMetadata sends UpdateMetadata v6 from controller 1 describing this
// broker (and extra live brokers) and the given partitions
// (topic -> partition -> replicas; leader = first replica, ISR = replicas).
func (h *harness) updateMetadata(c *client, parts map[string]map[int32][]int32, leaderEpoch int32, extraBrokers ...int32) {
	h.t.Helper()
	resp := c.do(h.umRequest(parts, leaderEpoch, extraBrokers...), 6).(*kmsg.UpdateMetadataResponse)
	if resp.ErrorCode != 0 {
		h.t.Fatalf("UpdateMetadata error %d", resp.ErrorCode)
	}
}

// umRequest builds the UpdateMetadata request updateMetadata sends; a nil
// replica list deletes the partition (leader -2).
func (h *harness) umRequest(parts map[string]map[int32][]int32, leaderEpoch int32, extraBrokers ...int32) *kmsg.UpdateMetadataRequest {
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.SetVersion(6)
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
	for _, id := range append([]int32{1}, extraBrokers...) {
		b := kmsg.NewUpdateMetadataRequestLiveBroker()
		b.ID = id
		ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
		ep.Host, ep.Port, ep.ListenerName, ep.SecurityProtocol = "127.0.0.1", h.port+id-1, "PLAINTEXT", 0
		b.Endpoints = append(b.Endpoints, ep)
		req.LiveBrokers = append(req.LiveBrokers, b)
	}
	for topic, ps := range parts {
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic = topic
		for _, p := range sortedKeys(ps) {
			st := kmsg.NewUpdateMetadataRequestTopicPartition()
			st.Partition, st.ControllerEpoch, st.LeaderEpoch = p, 1, leaderEpoch
			st.Replicas, st.ISR = ps[p], ps[p]
			st.Leader = -1
			if len(ps[p]) > 0 {
				st.Leader = ps[p][0]
			}
			if ps[p] == nil {
				st.Leader = leaderDuringDelete
			}
			ts.PartitionStates = append(ts.PartitionStates, st)
		}
		req.TopicStates = append(req.TopicStates, ts)
	}
	return req
}

// leaderAndISR sends LeaderAndIsr v4 for one topic's partitions.
func (h *harness) leaderAndISR(c *client, topic string, parts map[int32][]int32, leaderEpoch int32) *kmsg.LeaderAndISRResponse {
	h.t.Helper()
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic = topic
	for _, p := range sortedKeys(parts) {
		st := kmsg.NewLeaderAndISRRequestTopicPartition()
		st.Partition, st.ControllerEpoch, st.LeaderEpoch = p, 1, leaderEpoch
		st.Replicas, st.ISR, st.Leader = parts[p], parts[p], parts[p][0]
		st.IsNew = true
		ts.PartitionStates = append(ts.PartitionStates, st)
	}
	req.TopicStates = append(req.TopicStates, ts)
	return c.do(req, 4).(*kmsg.LeaderAndISRResponse)
}

// hostTopic makes this broker leader of topic's partitions (RF 1).
func (h *harness) hostTopic(c *client, topic string, partitions int32) {
	h.t.Helper()
	parts := map[int32][]int32{}
	for p := int32(0); p < partitions; p++ {
		parts[p] = []int32{1}
	}
	h.updateMetadata(c, map[string]map[int32][]int32{topic: parts}, 0)
	resp := h.leaderAndISR(c, topic, parts, 0)
	for _, p := range resp.Partitions {
		if p.ErrorCode != 0 {
			h.t.Fatalf("LeaderAndIsr %s-%d: error %d", p.Topic, p.Partition, p.ErrorCode)
		}
	}
}
