package broker

import (
	"net"
)

// outFrame is one encoded response: bytes, optionally interleaved with
// records that are written straight from the log files (sendfile for
// plaintext TCP). records[i] goes after bufs[i]; len(bufs) is
// len(records) or len(records)+1.
type outFrame struct {
	bufs    [][]byte
	records []Records
}

func bytesFrame(b []byte) *outFrame { return &outFrame{bufs: [][]byte{b}} }

// release frees the frame's records; a frame must be released once,
// written or not.
func (f *outFrame) release() {
	for _, r := range f.records {
		r.Release()
	}
	f.records = nil
}

// writeFrames writes frames in order: runs of plain bytes are gathered into
// one writev; records are written with Records.WriteTo so the log can use
// sendfile. Every frame is released.
func writeFrames(nc net.Conn, frames []*outFrame) error {
	var pending net.Buffers
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		_, err := pending.WriteTo(nc)
		pending = pending[:0]
		return err
	}
	var err error
	for _, f := range frames {
		for i := 0; err == nil && i < len(f.bufs); i++ {
			pending = append(pending, f.bufs[i])
			if i < len(f.records) {
				if err = flush(); err == nil {
					_, err = f.records[i].WriteTo(nc)
				}
			}
		}
		f.release()
	}
	if err != nil {
		return err
	}
	return flush()
}
