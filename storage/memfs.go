package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Op names one kind of file-system operation for fault injection.
type Op string

// Operations seen by a FaultFunc.
const (
	OpOpen     Op = "open"
	OpRead     Op = "read"
	OpWrite    Op = "write"
	OpSync     Op = "sync"
	OpTruncate Op = "truncate"
	OpRename   Op = "rename"
	OpRemove   Op = "remove"
	OpMkdir    Op = "mkdir"
	OpReadDir  Op = "readdir"
	OpSyncDir  Op = "syncdir"
	OpLock     Op = "lock"
)

// FaultFunc decides the fate of one operation. n is the number of bytes a write asks for
// (0 for other operations). Returning a nil error lets the operation run; a non-nil error
// fails it, and for a write the first `written` bytes still reach the file (a short write).
type FaultFunc func(op Op, name string, n int) (written int, err error)

// MemFS is an in-memory FS for tests. It remembers what was synced: Crash drops every
// unsynced byte (optionally keeping a random prefix of appended data, as a torn write
// would) and invalidates open files. Directory operations are durable at once.
type MemFS struct {
	mu    sync.Mutex
	nodes map[string]*memNode
	locks map[string]bool
	fault FaultFunc
	gen   int
}

type memNode struct {
	dir       bool
	data      []byte
	synced    []byte
	dirtyFrom int // lowest byte changed since the last sync
	mod       time.Time
}

type memFile struct {
	fs   *MemFS
	name string
	node *memNode
	gen  int
}

var _ FS = (*MemFS)(nil)

// NewMemFS returns an empty MemFS whose root directory exists.
func NewMemFS() *MemFS {
	return &MemFS{nodes: map[string]*memNode{"/": {dir: true}}, locks: map[string]bool{}}
}

// SetFault installs (or with nil removes) the fault hook.
func (m *MemFS) SetFault(f FaultFunc) {
	m.mu.Lock()
	m.fault = f
	m.mu.Unlock()
}

// Crash simulates power loss: each file keeps its synced bytes plus, when rng is not nil and
// the unsynced change was a pure append, a random prefix of the appended bytes. Open files
// and locks are lost.
func (m *MemFS) Crash(rng *rand.Rand) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.nodes {
		if n.dir {
			continue
		}
		keep := 0
		if rng != nil && n.dirtyFrom >= len(n.synced) && len(n.data) > len(n.synced) {
			keep = rng.IntN(len(n.data) - len(n.synced) + 1)
		}
		var data []byte
		if keep > 0 {
			data = append(append([]byte(nil), n.synced...), n.data[len(n.synced):len(n.synced)+keep]...)
		} else {
			data = append([]byte(nil), n.synced...)
		}
		n.data = data
		n.synced = append([]byte(nil), data...)
		n.dirtyFrom = len(data)
	}
	m.locks = map[string]bool{}
	m.gen++
}

func (m *MemFS) check(op Op, name string, n int) (int, error) {
	if m.fault == nil {
		return n, nil
	}
	w, err := m.fault(op, name, n)
	if err != nil {
		return min(max(w, 0), n), &fs.PathError{Op: string(op), Path: name, Err: err}
	}
	return n, nil
}

func (m *MemFS) parentExists(name string) bool {
	p, ok := m.nodes[filepath.Dir(name)]
	return ok && p.dir
}

// OpenFile implements FS.
func (m *MemFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpOpen, name, 0); err != nil {
		return nil, err
	}
	n, ok := m.nodes[name]
	switch {
	case ok && n.dir:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case !ok && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case !ok:
		if !m.parentExists(name) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		n = &memNode{mod: time.Now()}
		m.nodes[name] = n
	}
	if flag&os.O_TRUNC != 0 && len(n.data) > 0 {
		n.data = n.data[:0]
		n.dirtyFrom = 0
	}
	return &memFile{fs: m, name: name, node: n, gen: m.gen}, nil
}

// Rename implements FS; renaming a directory moves everything under it.
func (m *MemFS) Rename(oldname, newname string) error {
	oldname, newname = filepath.Clean(oldname), filepath.Clean(newname)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpRename, oldname, 0); err != nil {
		return err
	}
	n, ok := m.nodes[oldname]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldname, Err: fs.ErrNotExist}
	}
	if !m.parentExists(newname) {
		return &fs.PathError{Op: "rename", Path: newname, Err: fs.ErrNotExist}
	}
	if t, ok := m.nodes[newname]; ok && t.dir != n.dir {
		return &fs.PathError{Op: "rename", Path: newname, Err: fs.ErrExist}
	}
	delete(m.nodes, oldname)
	m.nodes[newname] = n
	if n.dir {
		prefix := oldname + "/"
		for p, c := range m.nodes {
			if strings.HasPrefix(p, prefix) {
				delete(m.nodes, p)
				m.nodes[newname+"/"+p[len(prefix):]] = c
			}
		}
	}
	return nil
}

// Remove implements FS.
func (m *MemFS) Remove(name string) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpRemove, name, 0); err != nil {
		return err
	}
	n, ok := m.nodes[name]
	if !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if n.dir {
		for p := range m.nodes {
			if strings.HasPrefix(p, name+"/") {
				return &fs.PathError{Op: "remove", Path: name, Err: errors.New("directory not empty")}
			}
		}
	}
	delete(m.nodes, name)
	return nil
}

// RemoveAll implements FS.
func (m *MemFS) RemoveAll(name string) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpRemove, name, 0); err != nil {
		return err
	}
	delete(m.nodes, name)
	for p := range m.nodes {
		if strings.HasPrefix(p, name+"/") {
			delete(m.nodes, p)
		}
	}
	return nil
}

// MkdirAll implements FS.
func (m *MemFS) MkdirAll(name string, perm os.FileMode) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpMkdir, name, 0); err != nil {
		return err
	}
	for p := name; ; p = filepath.Dir(p) {
		if n, ok := m.nodes[p]; ok {
			if !n.dir {
				return &fs.PathError{Op: "mkdir", Path: p, Err: errors.New("not a directory")}
			}
		} else {
			m.nodes[p] = &memNode{dir: true, mod: time.Now()}
		}
		if p == "/" || p == "." {
			return nil
		}
	}
}

// ReadDir implements FS.
func (m *MemFS) ReadDir(name string) ([]DirEntry, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpReadDir, name, 0); err != nil {
		return nil, err
	}
	if n, ok := m.nodes[name]; !ok || !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []DirEntry
	for p, n := range m.nodes {
		if p != name && filepath.Dir(p) == name {
			out = append(out, DirEntry{Name: filepath.Base(p), IsDir: n.dir})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat implements FS.
func (m *MemFS) Stat(name string) (FileInfo, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return FileInfo{}, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return FileInfo{Size: int64(len(n.data)), ModTime: n.mod, IsDir: n.dir}, nil
}

// Chtimes implements FS.
func (m *MemFS) Chtimes(name string, mtime time.Time) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return &fs.PathError{Op: "chtimes", Path: name, Err: fs.ErrNotExist}
	}
	n.mod = mtime
	return nil
}

// SyncDir implements FS.
func (m *MemFS) SyncDir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.check(OpSyncDir, filepath.Clean(name), 0)
	return err
}

// Lock implements FS.
func (m *MemFS) Lock(name string) (io.Closer, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpLock, name, 0); err != nil {
		return nil, err
	}
	if !m.parentExists(name) {
		return nil, &fs.PathError{Op: "lock", Path: name, Err: fs.ErrNotExist}
	}
	if m.locks[name] {
		return nil, fmt.Errorf("%w: %s", errLocked, filepath.Base(name))
	}
	if _, ok := m.nodes[name]; !ok {
		m.nodes[name] = &memNode{mod: time.Now()}
	}
	m.locks[name] = true
	return memLock{m: m, name: name, gen: m.gen}, nil
}

type memLock struct {
	m    *MemFS
	name string
	gen  int
}

func (l memLock) Close() error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.gen == l.m.gen {
		delete(l.m.locks, l.name)
	}
	return nil
}

var errStaleFile = errors.New("storage: file handle lost in crash")

// live returns an error if the handle predates a crash. REQUIRES: fs.mu.
func (f *memFile) live() error {
	if f.gen != f.fs.gen {
		return &fs.PathError{Op: "io", Path: f.name, Err: errStaleFile}
	}
	return nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	if _, err := f.fs.check(OpRead, f.name, len(p)); err != nil {
		return 0, err
	}
	if off >= int64(len(f.node.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.node.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	n, ferr := f.fs.check(OpWrite, f.name, len(p))
	nd := f.node
	end := off + int64(n)
	if end > int64(len(nd.data)) {
		if end > int64(cap(nd.data)) {
			grown := make([]byte, end, max(end, 2*int64(cap(nd.data))))
			copy(grown, nd.data)
			nd.data = grown
		} else {
			nd.data = nd.data[:end]
		}
	}
	copy(nd.data[off:end], p[:n])
	if n > 0 {
		nd.dirtyFrom = min(nd.dirtyFrom, int(off))
		nd.mod = time.Now()
	}
	return n, ferr
}

func (f *memFile) Close() error { return nil }

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return err
	}
	if _, err := f.fs.check(OpSync, f.name, 0); err != nil {
		return err
	}
	nd := f.node
	if nd.dirtyFrom >= len(nd.synced) && len(nd.data) >= len(nd.synced) {
		nd.synced = append(nd.synced, nd.data[len(nd.synced):]...)
	} else {
		nd.synced = append(nd.synced[:0:0], nd.data...)
	}
	nd.dirtyFrom = len(nd.data)
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return err
	}
	if _, err := f.fs.check(OpTruncate, f.name, 0); err != nil {
		return err
	}
	nd := f.node
	if size < int64(len(nd.data)) {
		nd.data = nd.data[:size]
		nd.dirtyFrom = min(nd.dirtyFrom, int(size))
	} else if size > int64(len(nd.data)) {
		old := len(nd.data)
		nd.data = append(nd.data, make([]byte, size-int64(old))...)
		nd.dirtyFrom = min(nd.dirtyFrom, old)
	}
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	return int64(len(f.node.data)), nil
}
