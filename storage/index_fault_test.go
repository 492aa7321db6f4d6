package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestIndexWriteFault: a write to an index page the file system cannot back
// (here: beyond the end of the file, which SIGBUSes just as a page of a full
// tmpfs does) is an error, not a crash, and publishes nothing.
func TestIndexWriteFault(t *testing.T) {
	tests := []struct {
		name   string
		cutTo  int64
		wantOK bool
	}{
		{"backed page", 4096, true},
		{"page beyond the file", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "00000000000000000000.index")
			ix, err := openIndexFile(osFS{}, path, 0, offsetIndexEntrySize, 8192)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.release()
			if err := os.Truncate(path, tt.cutTo); err != nil {
				t.Fatal(err)
			}
			err = offsetIndex{ix}.append(5, 100)
			if (err == nil) != tt.wantOK {
				t.Fatalf("append: %v", err)
			}
			if want := map[bool]int32{true: 1, false: 0}[tt.wantOK]; ix.count() != want {
				t.Fatalf("%d entries published, want %d", ix.count(), want)
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
	if err := os.Truncate(filepath.Join(dir, "00000000000000000000.index"), 0); err != nil {
		t.Fatal(err)
	}
	_, err := l.Append(produce(1, 600, now.UnixMilli()), 0, now)
	if !errors.Is(err, ErrLogDirOffline) || !errors.Is(err, errIndexWrite) {
		t.Fatalf("append with an unwritable index: %v, want ErrLogDirOffline from errIndexWrite", err)
	}
}
