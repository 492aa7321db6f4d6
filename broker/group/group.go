package group

// topicPartition names a partition whose offset a group committed.
type topicPartition struct {
	topic     string
	partition int32
}

// group is GroupMetadata: membership, rebalance state and committed offsets of one group.
// Members keep their join order so that leader choice and response order are deterministic
// (Kafka iterates a hash map; any order is valid, a fixed one makes tests reproducible).
type group struct {
	id                string
	state             State
	stateTimestamp    int64 // currentStateTimestamp; valid when hasStateTimestamp
	hasStateTimestamp bool
	protocolType      string
	hasProtocolType   bool
	generation        int32
	leader            string // "" = none; generated member ids are never empty
	protocol          string
	hasProtocol       bool

	members         []*member
	byID            map[string]*member
	static          map[string]string // group.instance.id -> member id
	pending         map[string]bool   // member ids handed out with MEMBER_ID_REQUIRED
	numAwaitingJoin int
	supported       map[string]int // protocol name -> number of members supporting it

	offsets        map[topicPartition]OffsetValue
	pendingCommits map[topicPartition]OffsetValue

	// subscribed is the union of the members' subscribed topics for consumer groups,
	// known only when subscribedKnown (GroupMetadata.subscribedTopics).
	subscribed      map[string]bool
	subscribedKnown bool

	newMemberAdded bool

	// The current DelayedJoin / InitialDelayedJoin, if any.
	join joinOp
}

// joinOp is the rebalance's delayed join. A timer fires it; completing it early (all
// members joined) just disarms it.
type joinOp struct {
	armed       bool
	seq         uint64
	initial     bool  // InitialDelayedJoin: never completes early
	configured  int64 // group.initial.rebalance.delay.ms
	delayMs     int64
	remainingMs int64
}

func newGroup(id string, now int64) *group {
	return &group{
		id:                id,
		state:             Empty,
		stateTimestamp:    now,
		hasStateTimestamp: true,
		byID:              map[string]*member{},
		static:            map[string]string{},
		pending:           map[string]bool{},
		supported:         map[string]int{},
		offsets:           map[topicPartition]OffsetValue{},
		pendingCommits:    map[topicPartition]OffsetValue{},
	}
}

func (g *group) is(s State) bool         { return g.state == s }
func (g *group) has(id string) bool      { _, ok := g.byID[id]; return ok }
func (g *group) get(id string) *member   { return g.byID[id] }
func (g *group) size() int               { return len(g.members) }
func (g *group) isLeader(id string) bool { return g.leader != "" && g.leader == id }
func (g *group) isConsumerGroup() bool {
	return g.hasProtocolType && g.protocolType == consumerProtocolType
}
func (g *group) canRebalance() bool             { return canTransition(g.state, PreparingRebalance) }
func (g *group) isPendingMember(id string) bool { return g.pending[id] && !g.has(id) }

func (g *group) hasStaticMember(instanceID *string) bool {
	if instanceID == nil {
		return false
	}
	_, ok := g.static[*instanceID]
	return ok
}

// isStaticMemberFenced: instanceID is a known static member registered under another id.
func (g *group) isStaticMemberFenced(memberID string, instanceID *string) bool {
	return g.hasStaticMember(instanceID) && g.static[*instanceID] != memberID
}

func (g *group) removeStaticMember(instanceID *string) {
	if instanceID != nil {
		delete(g.static, *instanceID)
	}
}

func (g *group) transitionTo(s State, now int64) {
	if !canTransition(g.state, s) {
		// A broken invariant of the state machine, as Kafka's IllegalStateException.
		panic("group: group " + g.id + " cannot move from " + g.state.String() + " to " + s.String())
	}
	g.state = s
	g.stateTimestamp, g.hasStateTimestamp = now, true
}

// add is GroupMetadata.add.
func (g *group) add(m *member, join *parked) {
	if len(g.members) == 0 {
		g.protocolType, g.hasProtocolType = m.protocolType, true
	}
	if g.leader == "" {
		g.leader = m.id
	}
	g.members = append(g.members, m)
	g.byID[m.id] = m
	for _, p := range m.protocols {
		g.supported[p.name]++
	}
	m.join = join
	if m.isAwaitingJoin() {
		g.numAwaitingJoin++
	}
}

// remove is GroupMetadata.remove: a removed leader is replaced by the first remaining member.
func (g *group) remove(id string) {
	if m, ok := g.byID[id]; ok {
		delete(g.byID, id)
		for i, x := range g.members {
			if x == m {
				g.members = append(g.members[:i:i], g.members[i+1:]...)
				break
			}
		}
		for _, p := range m.protocols {
			g.supported[p.name]--
		}
		if m.isAwaitingJoin() {
			g.numAwaitingJoin--
		}
	}
	if g.isLeader(id) {
		g.leader = ""
		if len(g.members) > 0 {
			g.leader = g.members[0].id
		}
	}
}

// maybeElectNewJoinedLeader keeps the leader if it rejoined, else picks any member that
// rejoined. False when there is no leader or no member rejoined.
func (g *group) maybeElectNewJoinedLeader() bool {
	if g.leader == "" {
		return false
	}
	if g.get(g.leader).isAwaitingJoin() {
		return true
	}
	for _, m := range g.members {
		if m.isAwaitingJoin() {
			g.leader = m.id
			return true
		}
	}
	return false
}

func (g *group) hasAllMembersJoined() bool {
	return len(g.members) == g.numAwaitingJoin && len(g.pending) == 0
}

// rebalanceTimeout is the largest rebalance timeout of the members, in ms.
func (g *group) rebalanceTimeout() int64 {
	var t int32
	for _, m := range g.members {
		t = max(t, m.rebalanceTimeout)
	}
	return int64(t)
}

// updateMember is GroupMetadata.updateMember: new protocols and a new (or no) parked join.
func (g *group) updateMember(m *member, ps []protocol, join *parked) {
	for _, p := range m.protocols {
		g.supported[p.name]--
	}
	for _, p := range ps {
		g.supported[p.name]++
	}
	m.protocols = ps
	if join != nil && !m.isAwaitingJoin() {
		g.numAwaitingJoin++
	} else if join == nil && m.isAwaitingJoin() {
		g.numAwaitingJoin--
	}
	m.join = join
}

// takeJoin clears the member's parked JoinGroup and returns it (maybeInvokeJoinCallback).
func (g *group) takeJoin(m *member) *parked {
	p := m.join
	if p != nil {
		m.join = nil
		g.numAwaitingJoin--
	}
	return p
}

// takeSync clears the member's parked SyncGroup and returns it (maybeInvokeSyncCallback).
func (g *group) takeSync(m *member) *parked {
	p := m.sync
	m.sync = nil
	return p
}

// supportsProtocols: may a member with this protocol type and protocols join?
func (g *group) supportsProtocols(protocolType string, ps []protocol) bool {
	if g.is(Empty) {
		return protocolType != "" && len(ps) > 0
	}
	if !g.hasProtocolType || g.protocolType != protocolType {
		return false
	}
	for _, p := range ps {
		if g.supported[p.name] == len(g.members) {
			return true
		}
	}
	return false
}

// selectProtocol is GroupMetadata.selectProtocol: among the protocols every member supports,
// each member votes for its most preferred; the most votes win. Kafka breaks ties by hash
// map order; here the protocol voted for first (in member order) wins a tie.
func (g *group) selectProtocol() string {
	candidates := map[string]bool{}
	for name, n := range g.supported {
		if n == len(g.members) {
			candidates[name] = true
		}
	}
	votes := map[string]int{}
	var order []string
	for _, m := range g.members {
		v := m.vote(candidates)
		if votes[v] == 0 {
			order = append(order, v)
		}
		votes[v]++
	}
	best := ""
	for _, p := range order {
		if best == "" || votes[p] > votes[best] {
			best = p
		}
	}
	return best
}

// computeSubscribedTopics is GroupMetadata.computeSubscribedTopics.
func (g *group) computeSubscribedTopics() {
	g.subscribed, g.subscribedKnown = nil, false
	if !g.isConsumerGroup() {
		return
	}
	if len(g.members) == 0 {
		g.subscribed, g.subscribedKnown = map[string]bool{}, true
		return
	}
	if !g.hasProtocol {
		return
	}
	set := map[string]bool{}
	for _, m := range g.members {
		topics, ok := subscribedTopics(m.metadata(g.protocol))
		if !ok {
			return // unparsable: the coordinator does not know the subscriptions
		}
		for _, t := range topics {
			set[t] = true
		}
	}
	g.subscribed, g.subscribedKnown = set, true
}

// isSubscribedToTopic is true when unknown, to be safe.
func (g *group) isSubscribedToTopic(topic string) bool {
	return !g.subscribedKnown || g.subscribed[topic]
}

// initNextGeneration is GroupMetadata.initNextGeneration.
func (g *group) initNextGeneration(now int64) {
	g.generation++
	if len(g.members) > 0 {
		g.protocol, g.hasProtocol = g.selectProtocol(), true
		g.computeSubscribedTopics()
		g.transitionTo(CompletingRebalance, now)
	} else {
		g.protocol, g.hasProtocol = "", false
		g.computeSubscribedTopics()
		g.transitionTo(Empty, now)
	}
}

// hasOffsets counts committed and in-flight offsets.
func (g *group) hasOffsets() bool { return len(g.offsets) > 0 || len(g.pendingCommits) > 0 }

// removeOffsets drops the given partitions' offsets and returns those that existed.
func (g *group) removeOffsets(tps []topicPartition) []topicPartition {
	var removed []topicPartition
	for _, tp := range tps {
		delete(g.pendingCommits, tp)
		if _, ok := g.offsets[tp]; ok {
			delete(g.offsets, tp)
			removed = append(removed, tp)
		}
	}
	return removed
}

// groupValue renders the group metadata record (GroupMetadataManager.groupMetadataValue).
func (g *group) groupValue(assignment map[string][]byte) GroupValue {
	v := GroupValue{
		ProtocolType:          g.protocolType,
		Generation:            g.generation,
		CurrentStateTimestamp: noTimestamp,
	}
	if g.hasStateTimestamp {
		v.CurrentStateTimestamp = g.stateTimestamp
	}
	if g.hasProtocol {
		p := g.protocol
		v.Protocol = &p
	}
	if g.leader != "" {
		l := g.leader
		v.Leader = &l
	}
	for _, m := range g.members {
		a := assignment[m.id]
		if a == nil {
			a = []byte{}
		}
		v.Members = append(v.Members, MemberValue{
			MemberID:         m.id,
			InstanceID:       m.instanceID,
			ClientID:         m.clientID,
			ClientHost:       m.clientHost,
			RebalanceTimeout: m.rebalanceTimeout,
			SessionTimeout:   m.sessionTimeout,
			Subscription:     m.metadata(g.protocol),
			Assignment:       a,
		})
	}
	return v
}
