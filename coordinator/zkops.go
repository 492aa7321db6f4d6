package coordinator

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-zookeeper/zk"
)

// Stat is the subset of a znode's ZooKeeper stat that Kafka uses.
type Stat struct {
	Czxid          int64 // creation zxid: the broker epoch of /brokers/ids/<id>
	Mzxid          int64
	Ctime, Mtime   int64 // ms since the epoch
	Version        int32 // data version: Kafka's "zkVersion"
	Cversion       int32
	EphemeralOwner int64 // session id owning an ephemeral znode, else 0
	NumChildren    int32
}

func statOf(s *zk.Stat) Stat {
	if s == nil {
		return Stat{}
	}
	return Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, EphemeralOwner: s.EphemeralOwner, NumChildren: s.NumChildren}
}

// Mode is a znode creation mode.
type Mode int32

const (
	ModePersistent           Mode = zk.FlagPersistent
	ModeEphemeral            Mode = zk.FlagEphemeral
	ModePersistentSequential Mode = zk.FlagSequence
)

// EventType is the kind of a watch event.
type EventType int

const (
	EventNodeCreated EventType = iota + 1
	EventNodeDeleted
	EventNodeDataChanged
	EventNodeChildrenChanged
	// EventNotWatching: the watch was dropped (session expired or ZK closed).
	EventNotWatching
)

// WatchEvent is delivered once to the callback of a watching read.
type WatchEvent struct {
	Type EventType
	Path string // relative to the chroot
	Err  error  // for EventNotWatching
}

// Watcher receives a one-shot watch event. It runs on its own goroutine and
// should hand the event over (e.g. enqueue it) rather than do ZK work inline.
type Watcher func(WatchEvent)

// openACL is OPEN_ACL_UNSAFE, Kafka's default (zookeeper.set.acl=false).
func openACL() []zk.ACL { return zk.WorldACL(zk.PermAll) }

// abs maps a chroot-relative path to the server's path.
func (z *ZK) abs(p string) string {
	if z.chroot == "" {
		return p
	}
	if p == "/" {
		return z.chroot
	}
	return z.chroot + p
}

// rel maps a server path back below the chroot.
func (z *ZK) rel(p string) string {
	if z.chroot == "" {
		return p
	}
	r := strings.TrimPrefix(p, z.chroot)
	if r == "" {
		return "/"
	}
	return r
}

// call runs a blocking go-zookeeper call so that ctx can abandon it. An
// abandoned call still completes on the server or fails when the connection
// drops; callers treat ctx errors like a connection loss (outcome unknown).
func call[T any](ctx context.Context, z *ZK, op, p string, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	var zero T
	select {
	case r := <-ch:
		if r.err != nil {
			return r.v, fmt.Errorf("coordinator: zookeeper %s %s: %w", op, p, mapZKError(r.err))
		}
		return r.v, nil
	case <-ctx.Done():
		return zero, fmt.Errorf("coordinator: zookeeper %s %s: %w", op, p, ctx.Err())
	case <-z.closed:
		return zero, fmt.Errorf("coordinator: zookeeper %s %s: %w", op, p, ErrClosed)
	}
}

func (z *ZK) watch(ch <-chan zk.Event, w Watcher) {
	if ch == nil || w == nil {
		return
	}
	go func() {
		ev, ok := <-ch
		if !ok {
			return
		}
		we := WatchEvent{Path: z.rel(ev.Path), Err: ev.Err}
		switch ev.Type {
		case zk.EventNodeCreated:
			we.Type = EventNodeCreated
		case zk.EventNodeDeleted:
			we.Type = EventNodeDeleted
		case zk.EventNodeDataChanged:
			we.Type = EventNodeDataChanged
		case zk.EventNodeChildrenChanged:
			we.Type = EventNodeChildrenChanged
		default:
			we.Type = EventNotWatching
		}
		w(we)
	}()
}

type getResult struct {
	data []byte
	stat *zk.Stat
	ch   <-chan zk.Event
}

// Get reads a znode. Null data (Kafka creates some znodes with null) reads
// as a nil slice.
func (z *ZK) Get(ctx context.Context, p string) ([]byte, Stat, error) {
	r, err := call(ctx, z, "get", p, func() (getResult, error) {
		d, s, err := z.conn.Get(z.abs(p))
		return getResult{data: d, stat: s}, err
	})
	if err != nil {
		return nil, Stat{}, err
	}
	return r.data, statOf(r.stat), nil
}

// GetW reads a znode and leaves a data watch on it.
func (z *ZK) GetW(ctx context.Context, p string, w Watcher) ([]byte, Stat, error) {
	r, err := call(ctx, z, "get", p, func() (getResult, error) {
		d, s, ch, err := z.conn.GetW(z.abs(p))
		return getResult{data: d, stat: s, ch: ch}, err
	})
	if err != nil {
		return nil, Stat{}, err
	}
	z.watch(r.ch, w)
	return r.data, statOf(r.stat), nil
}

type existsResult struct {
	ok   bool
	stat *zk.Stat
	ch   <-chan zk.Event
}

// Exists reports whether a znode exists and its stat.
func (z *ZK) Exists(ctx context.Context, p string) (bool, Stat, error) {
	r, err := call(ctx, z, "exists", p, func() (existsResult, error) {
		ok, s, err := z.conn.Exists(z.abs(p))
		return existsResult{ok: ok, stat: s}, err
	})
	if err != nil {
		return false, Stat{}, err
	}
	return r.ok, statOf(r.stat), nil
}

// ExistsW is Exists leaving a watch that fires on creation, deletion or a
// data change.
func (z *ZK) ExistsW(ctx context.Context, p string, w Watcher) (bool, Stat, error) {
	r, err := call(ctx, z, "exists", p, func() (existsResult, error) {
		ok, s, ch, err := z.conn.ExistsW(z.abs(p))
		return existsResult{ok: ok, stat: s, ch: ch}, err
	})
	if err != nil {
		return false, Stat{}, err
	}
	z.watch(r.ch, w)
	return r.ok, statOf(r.stat), nil
}

type childrenResult struct {
	names []string
	ch    <-chan zk.Event
}

// Children lists a znode's children, sorted.
func (z *ZK) Children(ctx context.Context, p string) ([]string, error) {
	r, err := call(ctx, z, "children", p, func() (childrenResult, error) {
		c, _, err := z.conn.Children(z.abs(p))
		return childrenResult{names: c}, err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(r.names)
	return r.names, nil
}

// ChildrenW lists children and leaves a child watch.
func (z *ZK) ChildrenW(ctx context.Context, p string, w Watcher) ([]string, error) {
	r, err := call(ctx, z, "children", p, func() (childrenResult, error) {
		c, _, ch, err := z.conn.ChildrenW(z.abs(p))
		return childrenResult{names: c, ch: ch}, err
	})
	if err != nil {
		return nil, err
	}
	z.watch(r.ch, w)
	sort.Strings(r.names)
	return r.names, nil
}

// Create creates a znode with open ACLs and returns its path (which carries
// the sequence suffix for sequential modes). nil data creates a znode with
// null data, as Kafka does.
func (z *ZK) Create(ctx context.Context, p string, data []byte, mode Mode) (string, error) {
	got, err := call(ctx, z, "create", p, func() (string, error) {
		return z.conn.Create(z.abs(p), data, int32(mode), openACL())
	})
	if err != nil {
		return "", err
	}
	return z.rel(got), nil
}

// CreateRecursive is Kafka's createRecursive: create, and when the parent is
// missing create the parents (persistent, null data) and retry.
func (z *ZK) CreateRecursive(ctx context.Context, p string, data []byte, mode Mode) (string, error) {
	got, err := z.Create(ctx, p, data, mode)
	if !errors.Is(err, ErrNoNode) {
		return got, err
	}
	if err := z.ensureParents(ctx, p); err != nil {
		return "", err
	}
	return z.Create(ctx, p, data, mode)
}

func (z *ZK) ensureParents(ctx context.Context, p string) error {
	parent := path.Dir(p)
	if parent == "/" || parent == "." {
		return nil
	}
	_, err := z.Create(ctx, parent, nil, ModePersistent)
	if errors.Is(err, ErrNoNode) {
		if err := z.ensureParents(ctx, parent); err != nil {
			return err
		}
		_, err = z.Create(ctx, parent, nil, ModePersistent)
	}
	if err != nil && !errors.Is(err, ErrNodeExists) {
		return err
	}
	return nil
}

// EnsurePath creates p and its parents if missing (Kafka's
// makeSurePersistentPathExists): persistent, null data.
func (z *ZK) EnsurePath(ctx context.Context, p string) error {
	_, err := z.CreateRecursive(ctx, p, nil, ModePersistent)
	if err != nil && !errors.Is(err, ErrNodeExists) {
		return err
	}
	return nil
}

// Set writes data if the znode's version is version (-1: any version).
func (z *ZK) Set(ctx context.Context, p string, data []byte, version int32) (Stat, error) {
	s, err := call(ctx, z, "set", p, func() (*zk.Stat, error) {
		return z.conn.Set(z.abs(p), data, version)
	})
	if err != nil {
		return Stat{}, err
	}
	return statOf(s), nil
}

// Delete removes a znode if its version is version (-1: any version).
func (z *ZK) Delete(ctx context.Context, p string, version int32) error {
	_, err := call(ctx, z, "delete", p, func() (struct{}, error) {
		return struct{}{}, z.conn.Delete(z.abs(p), version)
	})
	return err
}

// DeleteRecursive deletes a znode and everything below it; absent is fine.
func (z *ZK) DeleteRecursive(ctx context.Context, p string) error {
	children, err := z.Children(ctx, p)
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := z.DeleteRecursive(ctx, path.Join(p, c)); err != nil {
			return err
		}
	}
	err = z.Delete(ctx, p, -1)
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	return err
}

// Op is one operation of a Multi.
type Op interface{ zkOp(z *ZK) any }

// CreateOp creates a znode (open ACL).
type CreateOp struct {
	Path string
	Data []byte
	Mode Mode
}

// SetDataOp sets data conditionally on Version (-1: any).
type SetDataOp struct {
	Path    string
	Data    []byte
	Version int32
}

// DeleteOp deletes conditionally on Version (-1: any).
type DeleteOp struct {
	Path    string
	Version int32
}

// CheckOp fails the Multi unless the znode's data version is Version.
type CheckOp struct {
	Path    string
	Version int32
}

func (o CreateOp) zkOp(z *ZK) any {
	return &zk.CreateRequest{Path: z.abs(o.Path), Data: o.Data, Acl: openACL(), Flags: int32(o.Mode)}
}
func (o SetDataOp) zkOp(z *ZK) any {
	return &zk.SetDataRequest{Path: z.abs(o.Path), Data: o.Data, Version: o.Version}
}
func (o DeleteOp) zkOp(z *ZK) any {
	return &zk.DeleteRequest{Path: z.abs(o.Path), Version: o.Version}
}
func (o CheckOp) zkOp(z *ZK) any {
	return &zk.CheckVersionRequest{Path: z.abs(o.Path), Version: o.Version}
}

// OpResult is the outcome of one operation of a Multi.
type OpResult struct {
	Path string // for CreateOp: the created path
	Stat Stat   // for SetDataOp
	Err  error  // nil, or the sentinel of the failing operation
}

// MultiError says which operation made a Multi fail. It matches the
// sentinel of that operation's error.
type MultiError struct {
	Index int
	Op    Op
	Err   error
}

func (e *MultiError) Error() string {
	return fmt.Sprintf("coordinator: zookeeper multi: op %d (%T): %v", e.Index, e.Op, e.Err)
}
func (e *MultiError) Unwrap() error { return e.Err }

// Multi runs ops atomically: all or none.
func (z *ZK) Multi(ctx context.Context, ops ...Op) ([]OpResult, error) {
	reqs := make([]any, len(ops))
	for i, o := range ops {
		reqs[i] = o.zkOp(z)
	}
	type result struct {
		rs  []zk.MultiResponse
		err error
	}
	ch := make(chan result, 1)
	go func() {
		rs, err := z.conn.Multi(reqs...)
		ch <- result{rs, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return nil, fmt.Errorf("coordinator: zookeeper multi: %w", ctx.Err())
	case <-z.closed:
		return nil, fmt.Errorf("coordinator: zookeeper multi: %w", ErrClosed)
	}
	out := make([]OpResult, len(r.rs))
	var failed *MultiError
	for i, mr := range r.rs {
		out[i] = OpResult{Path: z.rel(mr.String), Stat: statOf(mr.Stat)}
		if mr.Error != nil {
			out[i].Err = mapZKError(mr.Error)
			// Operations after the failing one report a runtime
			// inconsistency; the first real failure is the cause.
			if failed == nil && i < len(ops) {
				failed = &MultiError{Index: i, Op: ops[i], Err: out[i].Err}
			}
		}
	}
	if r.err != nil {
		if failed != nil {
			return out, failed
		}
		return out, fmt.Errorf("coordinator: zookeeper multi: %w", mapZKError(r.err))
	}
	return out, nil
}
