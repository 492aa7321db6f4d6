package protocol

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// handler answers one request; a nil response means "send nothing" and a
// non-nil error closes the connection.
type handler func(hdr RequestHeader, req kmsg.Request) (kmsg.Response, error)

// testServer is a tiny broker built on ReadFrame, ParseRequest and
// AppendResponse.
type testServer struct {
	t    *testing.T
	ln   net.Listener
	addr string

	mu struct {
		sync.Mutex
		conns   int
		headers []RequestHeader
	}
}

func newTestServer(t *testing.T, h handler) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			s.mu.Lock()
			s.mu.conns++
			s.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c, h)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	return s
}

func (s *testServer) serve(c net.Conn, h handler) {
	defer c.Close()
	for {
		frame, err := ReadFrame(c, DefaultMaxRequestBytes)
		if err != nil {
			return
		}
		hdr, req, err := ParseRequest(frame)
		if err != nil {
			s.t.Errorf("server: %v", err)
			return
		}
		s.mu.Lock()
		s.mu.headers = append(s.mu.headers, hdr)
		s.mu.Unlock()
		resp, err := h(hdr, req)
		if err != nil {
			return
		}
		if resp == nil {
			continue
		}
		if _, err := c.Write(AppendResponse(nil, hdr, resp)); err != nil {
			return
		}
	}
}

func (s *testServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.conns
}

func (s *testServer) lastHeader() RequestHeader {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.headers[len(s.mu.headers)-1]
}

// echoHandler answers Metadata with the requested topics and ApiVersions
// and ControlledShutdown with fixed data.
func echoHandler(hdr RequestHeader, req kmsg.Request) (kmsg.Response, error) {
	switch r := req.(type) {
	case *kmsg.MetadataRequest:
		resp := r.ResponseKind().(*kmsg.MetadataResponse)
		for _, tp := range r.Topics {
			rt := kmsg.NewMetadataResponseTopic()
			rt.Topic = tp.Topic
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	case *kmsg.ApiVersionsRequest:
		resp := r.ResponseKind().(*kmsg.ApiVersionsResponse)
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MaxVersion = 3, 9
		resp.ApiKeys = append(resp.ApiKeys, k)
		return resp, nil
	case *kmsg.ControlledShutdownRequest:
		resp := r.ResponseKind().(*kmsg.ControlledShutdownResponse)
		resp.ErrorCode = 41
		return resp, nil
	}
	return req.ResponseKind(), nil
}

func dialTest(t *testing.T, addr string) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), addr, "test-client")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestConnRoundTrip(t *testing.T) {
	s := newTestServer(t, echoHandler)
	c := dialTest(t, s.addr)
	tests := []struct {
		name string
		req  func() kmsg.Request
		// check inspects the response.
		check func(t *testing.T, resp kmsg.Response)
	}{
		{
			name: "metadata v1",
			req: func() kmsg.Request {
				r := kmsg.NewPtrMetadataRequest()
				r.SetVersion(1)
				tp := kmsg.NewMetadataRequestTopic()
				tp.Topic = kmsg.StringPtr("a")
				r.Topics = append(r.Topics, tp)
				return r
			},
			check: func(t *testing.T, resp kmsg.Response) {
				m := resp.(*kmsg.MetadataResponse)
				if len(m.Topics) != 1 || *m.Topics[0].Topic != "a" {
					t.Fatalf("topics %+v", m.Topics)
				}
			},
		},
		{
			name: "metadata v9 flexible",
			req: func() kmsg.Request {
				r := kmsg.NewPtrMetadataRequest()
				r.SetVersion(9)
				tp := kmsg.NewMetadataRequestTopic()
				tp.Topic = kmsg.StringPtr("flex")
				r.Topics = append(r.Topics, tp)
				return r
			},
			check: func(t *testing.T, resp kmsg.Response) {
				m := resp.(*kmsg.MetadataResponse)
				if len(m.Topics) != 1 || *m.Topics[0].Topic != "flex" {
					t.Fatalf("topics %+v", m.Topics)
				}
			},
		},
		{
			name: "api versions v3",
			req: func() kmsg.Request {
				r := kmsg.NewPtrApiVersionsRequest()
				r.SetVersion(3)
				return r
			},
			check: func(t *testing.T, resp kmsg.Response) {
				a := resp.(*kmsg.ApiVersionsResponse)
				if len(a.ApiKeys) != 1 || a.ApiKeys[0].MaxVersion != 9 {
					t.Fatalf("api keys %+v", a.ApiKeys)
				}
			},
		},
		{
			name: "controlled shutdown v0",
			req: func() kmsg.Request {
				r := kmsg.NewPtrControlledShutdownRequest()
				r.SetVersion(0)
				r.BrokerID = 3
				return r
			},
			check: func(t *testing.T, resp kmsg.Response) {
				if e := resp.(*kmsg.ControlledShutdownResponse).ErrorCode; e != 41 {
					t.Fatalf("error code %d", e)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req()
			resp, err := c.RoundTrip(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetVersion() != req.GetVersion() {
				t.Fatalf("response v%d for request v%d", resp.GetVersion(), req.GetVersion())
			}
			tt.check(t, resp)
			hdr := s.lastHeader()
			wantClient := !(req.Key() == keyControlledShutdown && req.GetVersion() == 0)
			if wantClient != (hdr.ClientID != nil) || (wantClient && *hdr.ClientID != "test-client") {
				t.Fatalf("server saw client id %v", hdr.ClientID)
			}
		})
	}
	if n := s.connCount(); n != 1 {
		t.Fatalf("%d connections for sequential requests", n)
	}
}

func TestConnProduceAcksZero(t *testing.T) {
	s := newTestServer(t, func(RequestHeader, kmsg.Request) (kmsg.Response, error) { return nil, nil })
	c := dialTest(t, s.addr)
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(7)
	req.Acks = 0
	resp, err := c.RoundTrip(context.Background(), req)
	if err != nil || resp != nil {
		t.Fatalf("acks=0: %v, %v", resp, err)
	}
}

func TestConnErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(c net.Conn, frame []byte)
		wantErr error
	}{
		{
			name: "wrong correlation id",
			handler: func(c net.Conn, frame []byte) {
				hdr, _, _ := ParseRequest(frame)
				hdr.CorrelationID++
				_, _ = c.Write(AppendResponse(nil, hdr, kmsg.NewPtrMetadataResponse()))
			},
			wantErr: ErrCorrelation,
		},
		{
			name:    "closed by server",
			handler: func(c net.Conn, frame []byte) { _ = c.Close() },
			wantErr: nil, // any error
		},
		{
			name: "garbage body",
			handler: func(c net.Conn, frame []byte) {
				hdr, _, _ := ParseRequest(frame)
				_, _ = c.Write(sized(append(kbin.AppendInt32(nil, hdr.CorrelationID), 0xff)))
			},
			wantErr: ErrMalformed,
		},
		{
			name: "negative size",
			handler: func(c net.Conn, frame []byte) {
				_, _ = c.Write([]byte{0x80, 0, 0, 0})
			},
			wantErr: ErrFrameTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := rawServer(t, tt.handler)
			c := dialTest(t, addr)
			req := kmsg.NewPtrMetadataRequest()
			req.SetVersion(5)
			_, err := c.RoundTrip(context.Background(), req)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !c.Broken() {
				t.Fatal("connection still usable after an error")
			}
			if _, err := c.RoundTrip(context.Background(), req); !errors.Is(err, ErrConnClosed) && !errors.Is(err, tt.wantErr) {
				t.Fatalf("second round trip: %v", err)
			}
		})
	}
}

// rawServer accepts connections and passes each request frame to fn.
func rawServer(t *testing.T, fn func(c net.Conn, frame []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				for {
					frame, err := ReadFrame(c, DefaultMaxRequestBytes)
					if err != nil {
						return
					}
					fn(c, frame)
				}
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// TestConnCancel cancels a request the server never answers: RoundTrip
// must return the context's error and close the connection.
func TestConnCancel(t *testing.T) {
	received := make(chan struct{}, 1)
	release := make(chan struct{})
	addr := rawServer(t, func(c net.Conn, frame []byte) {
		received <- struct{}{}
		<-release
	})
	t.Cleanup(func() { close(release) })
	c := dialTest(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-received
		cancel()
	}()
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(1)
	_, err := c.RoundTrip(ctx, req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !c.Broken() {
		t.Fatal("connection usable after an interrupted exchange")
	}
}

func TestPool(t *testing.T) {
	s := newTestServer(t, echoHandler)
	p := NewPool("pool-client", 0, logrus.NewEntry(logrus.New()))
	t.Cleanup(func() { _ = p.Close() })
	req := func(topic string) kmsg.Request {
		r := kmsg.NewPtrMetadataRequest()
		r.SetVersion(9)
		tp := kmsg.NewMetadataRequestTopic()
		tp.Topic = kmsg.StringPtr(topic)
		r.Topics = append(r.Topics, tp)
		return r
	}
	for _, topic := range []string{"a", "b", "c"} {
		resp, err := p.RoundTrip(context.Background(), s.addr, req(topic))
		if err != nil {
			t.Fatal(err)
		}
		if got := *resp.(*kmsg.MetadataResponse).Topics[0].Topic; got != topic {
			t.Fatalf("got topic %q, want %q", got, topic)
		}
	}
	if n := s.connCount(); n != 1 {
		t.Fatalf("sequential requests used %d connections", n)
	}
	if hdr := s.lastHeader(); hdr.ClientID == nil || *hdr.ClientID != "pool-client" {
		t.Fatalf("client id %v", hdr.ClientID)
	}
}

// TestPoolConcurrent holds requests at the server until two are in flight,
// which only a second connection makes possible.
func TestPoolConcurrent(t *testing.T) {
	const inFlight = 2
	arrived := make(chan struct{}, inFlight)
	proceed := make(chan struct{})
	s := newTestServer(t, func(hdr RequestHeader, req kmsg.Request) (kmsg.Response, error) {
		arrived <- struct{}{}
		<-proceed
		return req.ResponseKind(), nil
	})
	go func() {
		for range inFlight {
			<-arrived
		}
		close(proceed)
	}()
	p := NewPool("c", 0, nil)
	t.Cleanup(func() { _ = p.Close() })
	var wg sync.WaitGroup
	errs := make(chan error, inFlight)
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kmsg.NewPtrMetadataRequest()
			r.SetVersion(1)
			_, err := p.RoundTrip(context.Background(), s.addr, r)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.connCount(); n != inFlight {
		t.Fatalf("%d connections, want %d", n, inFlight)
	}
}

// TestPoolRedial checks that a connection broken by the server is replaced.
func TestPoolRedial(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	s := newTestServer(t, func(hdr RequestHeader, req kmsg.Request) (kmsg.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 2 {
			return nil, errors.New("drop this connection")
		}
		return req.ResponseKind(), nil
	})
	p := NewPool("c", 0, nil)
	t.Cleanup(func() { _ = p.Close() })
	wantErr := []bool{false, true, false}
	for i, wantFail := range wantErr {
		r := kmsg.NewPtrMetadataRequest()
		r.SetVersion(1)
		_, err := p.RoundTrip(context.Background(), s.addr, r)
		if (err != nil) != wantFail {
			t.Fatalf("request %d: err = %v, want failure %v", i, err, wantFail)
		}
	}
	if n := s.connCount(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestPoolClosed(t *testing.T) {
	s := newTestServer(t, echoHandler)
	p := NewPool("c", 0, nil)
	_ = p.Close()
	r := kmsg.NewPtrMetadataRequest()
	if _, err := p.RoundTrip(context.Background(), s.addr, r); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("err = %v, want ErrPoolClosed", err)
	}
}

func TestPoolDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	p := NewPool("c", 0, nil)
	t.Cleanup(func() { _ = p.Close() })
	r := kmsg.NewPtrMetadataRequest()
	for range maxConnsPerAddr + 1 { // failed dials must free their slots
		if _, err := p.RoundTrip(context.Background(), addr, r); err == nil {
			t.Fatal("request to a closed port succeeded")
		}
	}
}

// TestPoolLimit fills every connection slot to one address: a further
// request waits, and gives up when its context ends.
func TestPoolLimit(t *testing.T) {
	arrived := make(chan struct{}, maxConnsPerAddr)
	proceed := make(chan struct{})
	s := newTestServer(t, func(hdr RequestHeader, req kmsg.Request) (kmsg.Response, error) {
		arrived <- struct{}{}
		<-proceed
		return req.ResponseKind(), nil
	})
	p := NewPool("c", 0, nil)
	t.Cleanup(func() { _ = p.Close() })
	errs := make(chan error, maxConnsPerAddr)
	for range maxConnsPerAddr {
		go func() {
			r := kmsg.NewPtrMetadataRequest()
			r.SetVersion(1)
			_, err := p.RoundTrip(context.Background(), s.addr, r)
			errs <- err
		}()
	}
	for range maxConnsPerAddr {
		<-arrived
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := kmsg.NewPtrMetadataRequest()
	r.SetVersion(1)
	if _, err := p.RoundTrip(ctx, s.addr, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("request beyond the limit: %v, want context.Canceled", err)
	}
	close(proceed)
	for range maxConnsPerAddr {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := s.connCount(); n != maxConnsPerAddr {
		t.Fatalf("%d connections, want %d", n, maxConnsPerAddr)
	}
}
