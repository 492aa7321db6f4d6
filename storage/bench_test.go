package storage

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkAppend appends batches of 1 KiB records on the OS file system.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("batch=%dKiB", size>>10), func(b *testing.B) {
			cfg := DefaultLogConfig()
			cfg.SegmentBytes = 64 << 20
			cfg.MaxMessageBytes = 2 << 20
			cfg.RetentionBytes = 128 << 20
			cfg.FileDeleteDelayMs = 0
			l := openTestLog(b, osFS{}, filepath.Join(b.TempDir(), "t-0"), cfg, true)
			defer l.Close()
			batch := produce(size/1024, 1024-10, time.Now().UnixMilli())
			now := time.Now()
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				binary.BigEndian.PutUint64(batch, 0) // Append rewrote the base offset
				if _, err := l.Append(batch, 1, now); err != nil {
					b.Fatal(err)
				}
				if i%64 == 63 {
					b.StopTimer()
					l.SetHighWatermark(l.LogEndOffset())
					l.DeleteOldSegments(now)
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkRead reads 1 MiB at random offsets of a 64 MiB log of 16 KiB batches.
func BenchmarkRead(b *testing.B) {
	cfg := DefaultLogConfig()
	l := openTestLog(b, osFS{}, filepath.Join(b.TempDir(), "t-0"), cfg, true)
	defer l.Close()
	now := time.Now()
	for range 4096 {
		if _, err := l.Append(produce(16, 1014, now.UnixMilli()), 1, now); err != nil {
			b.Fatal(err)
		}
	}
	leo := l.LogEndOffset()
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("regions", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r, err := l.Read(rng.Int64N(leo), -1, 1<<20, true)
			if err != nil {
				b.Fatal(err)
			}
			r.Release()
		}
	})
	b.Run("copy", func(b *testing.B) {
		buf := make([]byte, 0, 2<<20)
		b.ReportAllocs()
		b.SetBytes(1 << 20)
		for i := 0; i < b.N; i++ {
			r, err := l.Read(rng.Int64N(leo), -1, 1<<20, true)
			if err != nil {
				b.Fatal(err)
			}
			buf, err = r.AppendTo(buf[:0])
			r.Release()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIndexAppendManyPartitions appends offset index entries round
// robin over 200 fresh index files, as a broker with 200 partition logs
// under a trickle of small batches does: each file's first entries land on
// pages the file system has yet to back.
func BenchmarkIndexAppendManyPartitions(b *testing.B) {
	const files = 200
	dir := b.TempDir()
	ixs := make([]offsetIndex, files)
	for i := range ixs {
		ix, err := openIndexFile(osFS{}, filepath.Join(dir, fmt.Sprintf("%020d.index", i)), 0, offsetIndexEntrySize, 10<<20)
		if err != nil {
			b.Fatal(err)
		}
		defer ix.release()
		ixs[i] = offsetIndex{ix}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix := ixs[i%files]
		n := int64(ix.count())
		if ix.isFull() {
			b.Fatal("index full")
		}
		if err := ix.append(n+1, n*4096); err != nil {
			b.Fatal(err)
		}
	}
}
