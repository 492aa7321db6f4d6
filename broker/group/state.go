package group

// State is a group's state, named as Kafka names it in DescribeGroups.
type State uint8

const (
	// Empty: no members; offsets may remain. JoinGroup from a new member starts a rebalance.
	Empty State = iota
	// PreparingRebalance: JoinGroup requests are parked until every known member rejoined
	// or the rebalance timeout passed.
	PreparingRebalance
	// CompletingRebalance: the leader computes the assignment; SyncGroup from followers park.
	CompletingRebalance
	// Stable: the assignment is in force; heartbeats answer normally.
	Stable
	// Dead: the group was removed (deleted, expired or unloaded).
	Dead
)

func (s State) String() string {
	switch s {
	case Empty:
		return "Empty"
	case PreparingRebalance:
		return "PreparingRebalance"
	case CompletingRebalance:
		return "CompletingRebalance"
	case Stable:
		return "Stable"
	case Dead:
		return "Dead"
	}
	return "Unknown"
}

// canTransition is GroupMetadata.validPreviousStates: may a group move from one state to
// another.
func canTransition(from, to State) bool {
	switch to {
	case Empty:
		return from == PreparingRebalance
	case PreparingRebalance:
		return from == Stable || from == CompletingRebalance || from == Empty
	case CompletingRebalance:
		return from == PreparingRebalance
	case Stable:
		return from == CompletingRebalance
	case Dead:
		return true
	}
	return false
}
