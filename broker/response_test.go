package broker

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// countingRecords records whether it was released.
type countingRecords struct {
	fakeRecords
	released *int
}

func (r countingRecords) Release() { *r.released++ }

// TestStreamedFetchMatchesKmsg: the hand-encoded frame with file regions is
// byte for byte kmsg's encoding of the same response with the records
// copied in.
func TestStreamedFetchMatchesKmsg(t *testing.T) {
	for v := int16(4); v <= 11; v++ {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			released := 0
			build := func() *streamedFetch {
				resp := kmsg.NewPtrFetchResponse()
				resp.SetVersion(v)
				resp.ThrottleMillis, resp.ErrorCode, resp.SessionID = 5, 0, 0
				var recs [][]Records
				for ti, name := range []string{"a", "topic-b"} {
					rt := kmsg.NewFetchResponseTopic()
					rt.Topic = name
					var tr []Records
					for pi := int32(0); pi < 3; pi++ {
						rp := kmsg.NewFetchResponseTopicPartition()
						rp.Partition, rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = pi, 100+int64(pi), 90, 7
						rp.PreferredReadReplica = -1
						if pi == 2 {
							rp.AbortedTransactions = []kmsg.FetchResponseTopicPartitionAbortedTransaction{{ProducerID: 9, FirstOffset: 3}}
						}
						rt.Partitions = append(rt.Partitions, rp)
						if pi == 1 {
							tr = append(tr, nil)
							continue
						}
						tr = append(tr, countingRecords{fakeRecords(makeBatch(ti+int(pi)+1, 1)), &released})
					}
					resp.Topics = append(resp.Topics, rt)
					recs = append(recs, tr)
				}
				return &streamedFetch{FetchResponse: resp, records: recs}
			}
			hdr := protocol.RequestHeader{Key: 1, Version: v, CorrelationID: 42}

			streamed := build()
			out := streamed.frame(hdr)
			var got bytes.Buffer
			for i, b := range out.bufs {
				got.Write(b)
				if i < len(out.records) {
					if _, err := out.records[i].WriteTo(&got); err != nil {
						t.Fatal(err)
					}
				}
			}
			out.release()
			if released != len(out.bufs)-1 || released != 4 {
				t.Fatalf("released %d records, want 4", released)
			}

			copied := build()
			if err := copied.copyRecords(); err != nil {
				t.Fatal(err)
			}
			for ti := range copied.Topics {
				for pi := range copied.Topics[ti].Partitions {
					if copied.Topics[ti].Partitions[pi].RecordBatches == nil {
						copied.Topics[ti].Partitions[pi].RecordBatches = []byte{}
					}
				}
			}
			want := protocol.AppendResponse(nil, hdr, copied.FetchResponse)
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("streamed encoding differs from kmsg:\n got %x\nwant %x", got.Bytes(), want)
			}
		})
	}
}

// TestWriteFramesOverTCP writes mixed frames through a real TCP
// connection (the sendfile path for storage's records).
func TestWriteFramesOverTCP(t *testing.T) {
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
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(c)
		got <- buf.Bytes()
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	released := 0
	frames := []*outFrame{
		bytesFrame([]byte("one")),
		{bufs: [][]byte{[]byte("A"), []byte("B"), []byte("C")}, records: []Records{
			countingRecords{fakeRecords("xx"), &released}, countingRecords{fakeRecords("yy"), &released}}},
		bytesFrame([]byte("two")),
	}
	if err := writeFrames(nc, frames); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	if b := <-got; string(b) != "oneAxxByyCtwo" {
		t.Fatalf("wrote %q", b)
	}
	if released != 2 {
		t.Fatalf("released %d", released)
	}
}
