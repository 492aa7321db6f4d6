package storage

import (
	"bytes"
	"errors"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestWriteToSendfile sends a read result over loopback TCP (sendfile path) and through a
// plain writer (copy path); both must equal AppendTo.
func TestWriteToSendfile(t *testing.T) {
	l := openTestLog(t, osFS{}, filepath.Join(t.TempDir(), "t-0"), smallConfig(), true)
	defer l.Close()
	for range 50 {
		if _, err := l.Append(produce(4, 300, 1), 0, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	r, err := l.Read(10, -1, 1<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	want, err := r.AppendTo(nil)
	if err != nil || len(want) == 0 {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.WriteTo(c.(*net.TCPConn))
	c.Close()
	if err != nil || n != int64(len(want)) {
		t.Fatalf("WriteTo TCP = %d %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("TCP got %d bytes, want %d equal bytes", len(b), len(want))
	}
	var buf bytes.Buffer
	if n, err := r.WriteTo(&buf); err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteTo buffer = %d %v", n, err)
	}
}

// TestConcurrentReadsDuringAppends reads while another goroutine appends and rolls; every
// read must return whole valid batches. Run with -race.
func TestConcurrentReadsDuringAppends(t *testing.T) {
	cfg := smallConfig()
	cfg.SegmentBytes = 3000
	l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
	defer l.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for off := int64(0); ; {
				select {
				case <-stop:
					return
				default:
				}
				r, err := l.Read(off, -1, 2000, true)
				if err != nil {
					errs <- err
					return
				}
				buf, err = r.AppendTo(buf[:0])
				r.Release()
				if err != nil {
					errs <- err
					return
				}
				err = splitBatches(buf, func(_ []byte, h batchHeader) error { off = h.lastOffset() + 1; return nil })
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 300 {
		if _, err := l.Append(produce(3, 40, 1), 0, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

func TestReadAfterClose(t *testing.T) {
	l := openTestLog(t, NewMemFS(), "/d/t-0", smallConfig(), true)
	l.Append(produce(2, 10, 1), 0, time.Now())
	held, err := l.Read(0, -1, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Read(0, -1, 1000, true); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := l.Append(produce(1, 1, 1), 0, time.Now()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	// A result taken before Close stays readable until released.
	if b, err := held.AppendTo(nil); err != nil || len(b) != int(held.Size()) {
		t.Fatalf("held result after Close: %v", err)
	}
	held.Release()
}
