package broker

// Incremental fetch sessions (KIP-227), as Kafka 2.4's FetchSession.scala:
// FetchSessionCache, FetchSession, CachedPartition and FetchManager's
// choice of context. The cache is I/O-free: the caller passes the time in
// milliseconds, so tests drive eviction without a clock.
//
// A full fetch (epoch 0) that is not from a session-less client creates a
// session when the cache has room or can evict one; the response carries
// its id. Each later request names the id and the next epoch and lists only
// the partitions whose fetch parameters changed, plus forgotten ones; the
// broker reads every partition of the session and answers only those whose
// data, high watermark, log start offset, last stable offset or error
// changed. Epoch -1 asks for no session (followers here, and every request
// below v7).
//
// Differs from 2.4.1: an incremental request refreshes the session's last
// use time (the fix of KAFKA-9137, released in 2.5.0); 2.4.1 kept the
// creation time, so busy sessions became "stale" and were evicted after
// two minutes whenever the cache was full. The last stable offset is
// compared too (it equals the high watermark here, without transactions).

import (
	"container/list"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/storage"
)

const (
	// fetchSessionEvictionMs is KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS:
	// a session unused this long may be evicted by anyone, and a session
	// younger than this is evicted only by a privileged one.
	fetchSessionEvictionMs = 120000
	// defaultFetchSessionCacheSlots is max.incremental.fetch.session.cache.slots' default.
	defaultFetchSessionCacheSlots = 1000

	fetchInitialEpoch = 0  // FetchMetadata.INITIAL_EPOCH: create a session
	fetchFinalEpoch   = -1 // FetchMetadata.FINAL_EPOCH: no session
)

// nextFetchEpoch is FetchMetadata.nextEpoch: epochs wrap to 1, never to 0.
func nextFetchEpoch(e int32) int32 {
	switch {
	case e < 0:
		return fetchFinalEpoch
	case e == math.MaxInt32:
		return 1
	default:
		return e + 1
	}
}

// fetchPartition is one partition's fetch parameters (FetchRequest.PartitionData).
type fetchPartition struct {
	tp                 storage.TopicPartition
	fetchOffset        int64
	logStartOffset     int64 // the fetcher's; -1 for consumers
	maxBytes           int32
	currentLeaderEpoch int32 // -1 = not checked
}

// fetchOutcome is what reading one partition produced, as far as the
// session cares.
type fetchOutcome struct {
	errorCode            int16
	highWatermark        int64
	lastStableOffset     int64
	logStartOffset       int64
	hasRecords           bool
	preferredReadReplica int32 // -1 = none
}

// sessionPartition is Kafka's CachedPartition: the last request parameters
// and the last values sent for one partition of a session.
type sessionPartition struct {
	tp                    storage.TopicPartition
	maxBytes              int32
	fetchOffset           int64
	fetcherLogStartOffset int64
	highWatermark         int64
	lastStableOffset      int64
	localLogStartOffset   int64
}

func newSessionPartition(p fetchPartition) *sessionPartition {
	return &sessionPartition{
		tp: p.tp, maxBytes: p.maxBytes, fetchOffset: p.fetchOffset, fetcherLogStartOffset: p.logStartOffset,
		highWatermark: -1, lastStableOffset: -1, localLogStartOffset: -1,
	}
}

// request is the cached partition as a request; the current leader epoch
// is not cached, as in Kafka 2.4, so it is not checked for partitions read
// from the session.
func (cp *sessionPartition) request() fetchPartition {
	return fetchPartition{tp: cp.tp, fetchOffset: cp.fetchOffset, logStartOffset: cp.fetcherLogStartOffset,
		maxBytes: cp.maxBytes, currentLeaderEpoch: -1}
}

// mustRespond is CachedPartition.maybeUpdateResponseData: whether the
// partition goes into an incremental response; with update the sent values
// are remembered.
func (cp *sessionPartition) mustRespond(o fetchOutcome, update bool) bool {
	must := o.hasRecords || o.preferredReadReplica >= 0
	if cp.highWatermark != o.highWatermark {
		must = true
		if update {
			cp.highWatermark = o.highWatermark
		}
	}
	if cp.lastStableOffset != o.lastStableOffset {
		must = true
		if update {
			cp.lastStableOffset = o.lastStableOffset
		}
	}
	if cp.localLogStartOffset != o.logStartOffset {
		must = true
		if update {
			cp.localLogStartOffset = o.logStartOffset
		}
	}
	if o.errorCode != 0 {
		// An invalid high watermark makes the partition be sent again once
		// the error is gone.
		if update {
			cp.highWatermark = -1
		}
		must = true
	}
	return must
}

// fetchSession is Kafka's FetchSession. Its fields are guarded by the
// cache's mutex.
type fetchSession struct {
	id         int32
	privileged bool // created by a follower
	creationMs int64
	lastUsedMs int64
	epoch      int32 // the epoch the next request must carry

	// parts keeps Kafka's ImplicitLinkedHashCollection order: new partitions
	// at the end, and each partition sent in a response moves to the end, so
	// that partitions which got nothing come first next time (response size
	// limits then share out fairly).
	parts *list.List // of *sessionPartition
	index map[storage.TopicPartition]*list.Element

	// What touch last recorded (Kafka's evictable trees are keyed by it).
	cachedSize            int
	evictableByAll        bool
	evictableByPrivileged bool
}

func (fs *fetchSession) add(cp *sessionPartition) {
	fs.index[cp.tp] = fs.parts.PushBack(cp)
}

// update is FetchSession.update: new partitions are added, known ones get
// the new parameters, forgotten ones are removed.
func (fs *fetchSession) update(parts []fetchPartition, forgotten []storage.TopicPartition) {
	for _, p := range parts {
		if e, ok := fs.index[p.tp]; ok {
			cp := e.Value.(*sessionPartition)
			cp.maxBytes, cp.fetchOffset, cp.fetcherLogStartOffset = p.maxBytes, p.fetchOffset, p.logStartOffset
			continue
		}
		fs.add(newSessionPartition(p))
	}
	for _, tp := range forgotten {
		if e, ok := fs.index[tp]; ok {
			fs.parts.Remove(e)
			delete(fs.index, tp)
		}
	}
}

// requests lists the session's partitions in order.
func (fs *fetchSession) requests() []fetchPartition {
	out := make([]fetchPartition, 0, fs.parts.Len())
	for e := fs.parts.Front(); e != nil; e = e.Next() {
		out = append(out, e.Value.(*sessionPartition).request())
	}
	return out
}

// evictKey is Kafka's EvictableKey (privileged, size, id), ordered with
// false before true.
type evictKey struct {
	privileged bool
	size       int
	id         int32
}

func (a evictKey) less(b evictKey) bool {
	if a.privileged != b.privileged {
		return !a.privileged
	}
	if a.size != b.size {
		return a.size < b.size
	}
	return a.id < b.id
}

// fetchSessionCache is Kafka's FetchSessionCache. It holds at most
// maxEntries sessions; a new session may take the place of an old one by
// the rules of tryEvict. Safe for concurrent use.
type fetchSessionCache struct {
	maxEntries int
	evictionMs int64
	newID      func() int32 // a random positive id

	mu       sync.Mutex
	sessions map[int32]*fetchSession
}

// newFetchSessionCache returns a cache of maxEntries sessions (0 disables
// sessions). newID nil draws random positive ids.
func newFetchSessionCache(maxEntries int, evictionMs int64, newID func() int32) *fetchSessionCache {
	if newID == nil {
		newID = func() int32 { return rand.Int32N(math.MaxInt32-1) + 1 }
	}
	return &fetchSessionCache{maxEntries: maxEntries, evictionMs: evictionMs, newID: newID, sessions: map[int32]*fetchSession{}}
}

// size is the number of sessions cached.
func (c *fetchSessionCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

// REQUIRES: c.mu held.
func (c *fetchSessionCache) newSessionIDLocked() int32 {
	for {
		id := c.newID()
		if _, taken := c.sessions[id]; !taken && id > 0 {
			return id
		}
	}
}

// touch is FetchSessionCache.touch: it records the last use and the
// session's place among the evictable ones.
// REQUIRES: c.mu held.
func (c *fetchSessionCache) touchLocked(fs *fetchSession, now int64) {
	fs.lastUsedMs = now
	fs.cachedSize = fs.parts.Len()
	old := now-fs.creationMs > c.evictionMs
	fs.evictableByPrivileged = !fs.privileged || old
	fs.evictableByAll = old
}

// REQUIRES: c.mu held.
func (c *fetchSessionCache) removeLocked(id int32) bool {
	_, ok := c.sessions[id]
	delete(c.sessions, id)
	return ok
}

// tryEvict is FetchSessionCache.tryEvict: a new session evicts the least
// recently used one if it is stale (unused for evictionMs); otherwise the
// least valuable evictable session (unprivileged before privileged, then
// fewer partitions, then lower id) if the new one is worth at least as much.
// Sessions younger than evictionMs are evictable only by privileged ones,
// and privileged ones only once older than evictionMs.
// REQUIRES: c.mu held.
func (c *fetchSessionCache) tryEvictLocked(key evictKey, now int64) bool {
	var lru, cheapest *fetchSession
	for _, fs := range c.sessions {
		if lru == nil || fs.lastUsedMs < lru.lastUsedMs || fs.lastUsedMs == lru.lastUsedMs && fs.id < lru.id {
			lru = fs
		}
		evictable := fs.evictableByAll
		if key.privileged {
			evictable = fs.evictableByPrivileged
		}
		if evictable && (cheapest == nil || fs.evictKey().less(cheapest.evictKey())) {
			cheapest = fs
		}
	}
	switch {
	case lru == nil:
		return false
	case now-lru.lastUsedMs > c.evictionMs:
		return c.removeLocked(lru.id)
	case cheapest == nil || key.less(cheapest.evictKey()):
		return false
	default:
		return c.removeLocked(cheapest.id)
	}
}

func (fs *fetchSession) evictKey() evictKey {
	return evictKey{privileged: fs.privileged, size: fs.cachedSize, id: fs.id}
}

// maybeCreateSession is FetchSessionCache.maybeCreateSession: the new
// session's id, or 0 when there is no room.
func (c *fetchSessionCache) maybeCreateSession(now int64, privileged bool, parts []*sessionPartition) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maxEntries <= 0 {
		return 0
	}
	if len(c.sessions) >= c.maxEntries && !c.tryEvictLocked(evictKey{privileged: privileged, size: len(parts)}, now) {
		return 0
	}
	fs := &fetchSession{
		id: c.newSessionIDLocked(), privileged: privileged, creationMs: now,
		epoch: nextFetchEpoch(fetchInitialEpoch),
		parts: list.New(), index: make(map[storage.TopicPartition]*list.Element, len(parts)),
	}
	for _, cp := range parts {
		if _, dup := fs.index[cp.tp]; !dup {
			fs.add(cp)
		}
	}
	c.sessions[fs.id] = fs
	c.touchLocked(fs, now)
	return fs.id
}

// fetchContextKind says how a fetch request relates to sessions.
type fetchContextKind uint8

const (
	fetchSessionless  fetchContextKind = iota // answer everything, session id 0
	fetchFull                                 // answer everything, try to create a session
	fetchIncremental                          // answer what changed in the session
	fetchSessionError                         // answer only the top-level error
)

// fetchContext is Kafka's FetchContext: which partitions to read and how
// to shape the response.
type fetchContext struct {
	kind       fetchContextKind
	errorCode  int16            // fetchSessionError
	parts      []fetchPartition // what to read, in response order
	privileged bool             // fetchFull: the session would be a follower's
	session    *fetchSession    // fetchIncremental
	reqEpoch   int32            // fetchIncremental
	// closed is the id of a session that this request closed (for logging).
	closed int32
}

// newContext is FetchManager.newContext. parts are the request's
// partitions (no duplicates), forgotten its forgotten topics' partitions.
func (c *fetchSessionCache) newContext(sessionID, epoch int32, parts []fetchPartition, forgotten []storage.TopicPartition, follower bool, now int64) *fetchContext {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch == fetchInitialEpoch || epoch == fetchFinalEpoch {
		fc := &fetchContext{kind: fetchFull, parts: parts, privileged: follower}
		// A full request closes the session it names.
		if sessionID != 0 && c.removeLocked(sessionID) {
			fc.closed = sessionID
		}
		if epoch == fetchFinalEpoch {
			fc.kind = fetchSessionless
		}
		return fc
	}
	fs, ok := c.sessions[sessionID]
	switch {
	case !ok:
		return &fetchContext{kind: fetchSessionError, errorCode: kerr.FetchSessionIDNotFound.Code}
	case fs.epoch != epoch:
		return &fetchContext{kind: fetchSessionError, errorCode: kerr.InvalidFetchSessionEpoch.Code}
	}
	fs.update(parts, forgotten)
	if fs.parts.Len() == 0 {
		// Nothing left to fetch: the session ends and the (empty) request
		// is answered without one.
		c.removeLocked(fs.id)
		return &fetchContext{kind: fetchSessionless, parts: parts, closed: fs.id}
	}
	c.touchLocked(fs, now)
	fs.epoch = nextFetchEpoch(fs.epoch)
	return &fetchContext{kind: fetchIncremental, parts: fs.requests(), session: fs, reqEpoch: epoch}
}

// respond is FetchContext.updateAndGenerateResponseData. outcomes[i] is
// the result of reading fc.parts[i]. It returns the top-level error, the
// session id to send, and the indexes of the partitions to send, in order.
func (c *fetchSessionCache) respond(fc *fetchContext, outcomes []fetchOutcome, now int64) (errorCode int16, sessionID int32, send []int) {
	all := func() []int {
		idx := make([]int, len(outcomes))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	switch fc.kind {
	case fetchSessionError:
		return fc.errorCode, 0, nil
	case fetchSessionless:
		return 0, 0, all()
	case fetchFull:
		parts := make([]*sessionPartition, len(fc.parts))
		for i, p := range fc.parts {
			cp := newSessionPartition(p)
			cp.highWatermark, cp.lastStableOffset, cp.localLogStartOffset =
				outcomes[i].highWatermark, outcomes[i].lastStableOffset, outcomes[i].logStartOffset
			parts[i] = cp
		}
		return 0, c.maybeCreateSession(now, fc.privileged, parts), all()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fs := fc.session
	if fs.epoch != nextFetchEpoch(fc.reqEpoch) {
		// Another request of the same session came in between: a duplicate.
		return kerr.InvalidFetchSessionEpoch.Code, fs.id, nil
	}
	for i, p := range fc.parts {
		e, ok := fs.index[p.tp]
		if !ok {
			continue
		}
		cp := e.Value.(*sessionPartition)
		if cp.mustRespond(outcomes[i], true) {
			send = append(send, i)
			fs.parts.MoveToBack(e)
		}
	}
	return 0, fs.id, send
}
