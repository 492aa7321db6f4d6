package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// FS is the seam between the log and the file system. Production uses the OS; tests use
// MemFS, which can drop unsynced bytes ("crash") and inject faults. Names are full paths.
type FS interface {
	// OpenFile opens or creates a file; flag takes os.O_RDWR, os.O_CREATE, os.O_EXCL, os.O_TRUNC.
	OpenFile(name string, flag int, perm os.FileMode) (File, error)
	Rename(oldname, newname string) error
	Remove(name string) error
	RemoveAll(name string) error
	MkdirAll(name string, perm os.FileMode) error
	ReadDir(name string) ([]DirEntry, error) // sorted by name
	Stat(name string) (FileInfo, error)
	SyncDir(name string) error
	// Chtimes sets the modification time (compaction keeps a segment's age).
	Chtimes(name string, mtime time.Time) error
	// Lock takes an exclusive lock on the named file (created if missing) that another
	// process, or another Lock call, cannot take until the returned closer is closed.
	Lock(name string) (io.Closer, error)
}

// File is an open file. Writes are positional so that a failed or short write never
// leaves the file's logical end in doubt.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
}

// DirEntry is one name in a directory.
type DirEntry struct {
	Name  string
	IsDir bool
}

// FileInfo is what the log needs from stat.
type FileInfo struct {
	Size    int64
	ModTime time.Time
	IsDir   bool
}

// ErrLocked is returned by FS.Lock when another holder has the lock.
var errLocked = errors.New("storage: lock held elsewhere")

// osFS is the production FS.
type osFS struct{}

// osFile wraps *os.File; the index maps it and ReadResult sends it with sendfile.
type osFile struct{ f *os.File }

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &osFile{f: f}, nil
}

func (osFS) Rename(oldname, newname string) error         { return os.Rename(oldname, newname) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) RemoveAll(name string) error                  { return os.RemoveAll(name) }
func (osFS) MkdirAll(name string, perm os.FileMode) error { return os.MkdirAll(name, perm) }

func (osFS) ReadDir(name string) ([]DirEntry, error) {
	ents, err := os.ReadDir(name)
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, len(ents))
	for i, e := range ents {
		out[i] = DirEntry{Name: e.Name(), IsDir: e.IsDir()}
	}
	return out, nil
}

func (osFS) Stat(name string) (FileInfo, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Size: fi.Size(), ModTime: fi.ModTime(), IsDir: fi.IsDir()}, nil
}

func (osFS) Chtimes(name string, mtime time.Time) error { return os.Chtimes(name, mtime, mtime) }

func (osFS) SyncDir(name string) error {
	d, err := os.Open(name)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lock uses an open-file-description fcntl lock: it conflicts with the classic POSIX record
// lock a Java broker takes through FileChannel.tryLock, and unlike a classic lock it also
// conflicts with a second Lock in this same process.
func (osFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("%w: %s", errLocked, filepath.Base(name))
		}
		return nil, err
	}
	return f, nil
}

func (f *osFile) ReadAt(p []byte, off int64) (int, error)  { return f.f.ReadAt(p, off) }
func (f *osFile) WriteAt(p []byte, off int64) (int, error) { return f.f.WriteAt(p, off) }
func (f *osFile) Close() error                             { return f.f.Close() }
func (f *osFile) Sync() error                              { return f.f.Sync() }
func (f *osFile) Truncate(size int64) error                { return f.f.Truncate(size) }
func (f *osFile) Size() (int64, error) {
	fi, err := f.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
