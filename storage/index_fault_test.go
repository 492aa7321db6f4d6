package storage

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// failingWrites is an index file whose file system has filled up: every
// write fails with ENOSPC, as pwrite does on a full disk.
type failingWrites struct{ File }

func (failingWrites) WriteAt([]byte, int64) (int, error) { return 0, syscall.ENOSPC }

// TestIndexWriteFault: an index entry the file system cannot take is an
// error, not a crash, and publishes nothing; a written entry is seen
// through the mapping.
func TestIndexWriteFault(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "space left", true: "file system full"}[full], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "00000000000000000000.index")
			ix, err := openIndexFile(osFS{}, path, 0, offsetIndexEntrySize, 8192)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.release()
			if !ix.mapped {
				t.Fatal("an index on the OS file system is not mapped")
			}
			if full {
				ix.f = failingWrites{ix.f}
			}
			err = offsetIndex{ix}.append(5, 100)
			if (err != nil) != full || full && !errors.Is(err, errIndexWrite) {
				t.Fatalf("append: %v", err)
			}
			if want := map[bool]int32{false: 1, true: 0}[full]; ix.count() != want {
				t.Fatalf("%d entries published, want %d", ix.count(), want)
			}
			if !full {
				if off, pos := (offsetIndex{ix}).entry(0); off != 5 || pos != 100 {
					t.Fatalf("entry 0 read through the mapping: (%d, %d), want (5, 100)", off, pos)
				}
			}
		})
	}
}

// TestAppendIndexWriteFault: an append whose index entry cannot be written
// fails (and would take the log dir offline) instead of silently leaving
// the index behind; a full index stays no error.
func TestAppendIndexWriteFault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, osFS{}, dir, smallConfig(), false)
	defer l.Close()
	now := time.Now()
	// The first append only counts bytes toward the index interval.
	if _, err := l.Append(produce(1, 600, now.UnixMilli()), 0, now); err != nil {
		t.Fatal(err)
	}
	ix := l.active().offIdx.indexFile
	ix.f = failingWrites{ix.f}
	_, err := l.Append(produce(1, 600, now.UnixMilli()), 0, now)
	if !errors.Is(err, ErrLogDirOffline) || !errors.Is(err, errIndexWrite) {
		t.Fatalf("append with an unwritable index: %v, want ErrLogDirOffline from errIndexWrite", err)
	}
}
