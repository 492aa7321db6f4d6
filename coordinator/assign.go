package coordinator

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"
)

// AssignReplicas is Kafka 2.4's AdminUtils.assignReplicasToBrokers: spread
// partitions round-robin from a random start broker, the followers of each
// partition shifted so that replicas of consecutive partitions do not pile
// up on the same pair of brokers. fixedStartIndex >= 0 pins both the start
// index and the shift (add-partitions uses it); startPartitionID >= 0 is the
// first partition id to assign. With racks on all brokers the rack-aware
// variant runs; racks on only some brokers is an error, as in Kafka.
//
// brokers are used in the order given: Kafka's ZooKeeper path sorts them by
// id, its CreateTopics path does not.
func AssignReplicas(brokers []BrokerMeta, partitions, replicationFactor int32, fixedStartIndex, startPartitionID int32, rnd *rand.Rand) (map[int32][]int32, error) {
	if partitions <= 0 {
		return nil, kafkaErrorf(ErrInvalidPartitions, "Number of partitions must be larger than 0.")
	}
	if replicationFactor <= 0 {
		return nil, kafkaErrorf(ErrInvalidReplicationFactor, "Replication factor must be larger than 0.")
	}
	if int(replicationFactor) > len(brokers) {
		return nil, kafkaErrorf(ErrInvalidReplicationFactor, "Replication factor: %d larger than available brokers: %d.", replicationFactor, len(brokers))
	}
	if rnd == nil {
		rnd = rand.New(rand.NewSource(time.Now().UnixNano()))
	}
	withRack := 0
	for _, b := range brokers {
		if b.Rack != nil {
			withRack++
		}
	}
	if withRack == 0 {
		ids := make([]int32, len(brokers))
		for i, b := range brokers {
			ids[i] = b.ID
		}
		return assignRackUnaware(partitions, replicationFactor, ids, fixedStartIndex, startPartitionID, rnd), nil
	}
	if withRack != len(brokers) {
		return nil, kafkaErrorf(ErrInvalidReplicaAssignment, "Not all brokers have rack information for replica rack aware assignment.")
	}
	return assignRackAware(partitions, replicationFactor, brokers, fixedStartIndex, startPartitionID, rnd), nil
}

// replicaIndex places the (j+1)-th replica: 1..n-1 brokers after the first.
func replicaIndex(first, shift, j, n int) int {
	return (first + 1 + (shift+j)%(n-1)) % n
}

func assignRackUnaware(partitions, rf int32, ids []int32, fixedStart, startPartition int32, rnd *rand.Rand) map[int32][]int32 {
	n := len(ids)
	out := make(map[int32][]int32, partitions)
	var start, shift int
	if fixedStart >= 0 {
		start, shift = int(fixedStart), int(fixedStart)
	} else {
		// Two independent draws, in Kafka's order.
		start = rnd.Intn(n)
		shift = rnd.Intn(n)
	}
	p := int(max(0, startPartition))
	for range partitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		replicas := []int32{ids[first]}
		for j := 0; j < int(rf)-1; j++ {
			replicas = append(replicas, ids[replicaIndex(first, shift, j, n)])
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}

// rackAlternated lists brokers rack by rack (racks sorted, brokers of a rack
// sorted by id), taking one from each rack in turn.
func rackAlternated(rackOf map[int32]string) []int32 {
	byRack := map[string][]int32{}
	for id, r := range rackOf {
		byRack[r] = append(byRack[r], id)
	}
	racks := make([]string, 0, len(byRack))
	for r, ids := range byRack {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		racks = append(racks, r)
	}
	sort.Strings(racks)
	next := make([]int, len(racks))
	var out []int32
	for i := 0; len(out) < len(rackOf); i = (i + 1) % len(racks) {
		ids := byRack[racks[i]]
		if next[i] < len(ids) {
			out = append(out, ids[next[i]])
			next[i]++
		}
	}
	return out
}

func assignRackAware(partitions, rf int32, brokers []BrokerMeta, fixedStart, startPartition int32, rnd *rand.Rand) map[int32][]int32 {
	rackOf := make(map[int32]string, len(brokers))
	racks := map[string]bool{}
	for _, b := range brokers {
		rackOf[b.ID] = *b.Rack
		racks[*b.Rack] = true
	}
	numRacks := len(racks)
	arranged := rackAlternated(rackOf)
	n := len(arranged)
	var start, shift int
	if fixedStart >= 0 {
		start, shift = int(fixedStart), int(fixedStart)
	} else {
		start = rnd.Intn(n)
		shift = rnd.Intn(n)
	}
	out := make(map[int32][]int32, partitions)
	p := int(max(0, startPartition))
	for range partitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		leader := arranged[first]
		replicas := []int32{leader}
		racksWith := map[string]bool{rackOf[leader]: true}
		brokersWith := map[int32]bool{leader: true}
		k := 0
		for range rf - 1 {
			for {
				b := arranged[replicaIndex(first, shift*numRacks, k, n)]
				r := rackOf[b]
				k++
				// Skip a broker whose rack already has a replica while some
				// rack has none, or that already has one while some broker
				// has none.
				if (!racksWith[r] || len(racksWith) == numRacks) && (!brokersWith[b] || len(brokersWith) == n) {
					replicas = append(replicas, b)
					racksWith[r] = true
					brokersWith[b] = true
					break
				}
			}
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}

// AddPartitionsAssignment is the assignment of AdminZkClient.addPartitions
// for growing a topic to total partitions: the start index is that of the
// first broker whose id is >= partition 0's first replica, the replication
// factor that of partition 0. brokers should be sorted by id.
func AddPartitionsAssignment(topic string, brokers []BrokerMeta, existing map[int32][]int32, total int32, rnd *rand.Rand) (map[int32][]int32, error) {
	p0, ok := existing[0]
	if !ok || len(p0) == 0 {
		return nil, kafkaErrorf(ErrInvalidReplicaAssignment, "Unexpected existing replica assignment for topic '%s', partition id 0 is missing. Assignment: %v", topic, existing)
	}
	toAdd := total - int32(len(existing))
	if toAdd <= 0 {
		return nil, kafkaErrorf(ErrInvalidPartitions, "The number of partitions for a topic can only be increased. Topic %s currently has %d partitions, %d would not be an increase.", topic, len(existing), total)
	}
	start := 0
	for i, b := range brokers {
		if b.ID >= p0[0] {
			start = i
			break
		}
	}
	return AssignReplicas(brokers, toAdd, int32(len(p0)), int32(start), int32(len(existing)), rnd)
}

// maxTopicNameLength is Kafka's limit (249 = 255 minus room for the
// partition suffix and ".deleted" style renames of the log dir).
const maxTopicNameLength = 249

// ValidateTopicName is Kafka's Topic.validate, with its messages.
func ValidateTopicName(name string) error {
	if name == "" {
		return kafkaErrorf(ErrInvalidTopic, "Topic name is illegal, it can't be empty")
	}
	if name == "." || name == ".." {
		return kafkaErrorf(ErrInvalidTopic, "Topic name cannot be \".\" or \"..\"")
	}
	if len(name) > maxTopicNameLength {
		return kafkaErrorf(ErrInvalidTopic, "Topic name is illegal, it can't be longer than %d characters, topic name: %s", maxTopicNameLength, name)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return kafkaErrorf(ErrInvalidTopic, "Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

// hasCollisionChars: topics with '.' or '_' may collide in metric names.
func hasCollisionChars(t string) bool { return strings.ContainsAny(t, "._") }

// collides: equal once '.' is replaced by '_'.
func collides(a, b string) bool {
	return strings.ReplaceAll(a, ".", "_") == strings.ReplaceAll(b, ".", "_")
}

// validateAssignment checks a whole-topic assignment as
// AdminZkClient.validateTopicCreate does.
func validateAssignment(assignment map[int32][]int32) error {
	if len(assignment) == 0 {
		return kafkaErrorf(ErrInvalidPartitions, "Number of partitions must be larger than 0.")
	}
	rf := -1
	for _, reps := range assignment {
		if rf >= 0 && len(reps) != rf {
			return kafkaErrorf(ErrInvalidReplicaAssignment, "All partitions should have the same number of replicas")
		}
		rf = len(reps)
	}
	if rf == 0 {
		return kafkaErrorf(ErrInvalidReplicationFactor, "Replication factor must be larger than 0.")
	}
	for _, reps := range assignment {
		seen := map[int32]bool{}
		for _, r := range reps {
			if seen[r] {
				return kafkaErrorf(ErrInvalidReplicaAssignment, "Duplicate replica assignment found: %s", formatAssignment(assignment))
			}
			seen[r] = true
		}
	}
	for p := range int32(len(assignment)) {
		if _, ok := assignment[p]; !ok {
			return kafkaErrorf(ErrInvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
		}
	}
	return nil
}

// formatAssignment renders like Scala's Map.toString: Map(0 -> List(1, 2)).
func formatAssignment(a map[int32][]int32) string {
	ids := make([]int32, 0, len(a))
	for p := range a {
		ids = append(ids, p)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	parts := make([]string, len(ids))
	for i, p := range ids {
		reps := make([]string, len(a[p]))
		for j, r := range a[p] {
			reps[j] = fmt.Sprint(r)
		}
		parts[i] = fmt.Sprintf("%d -> List(%s)", p, strings.Join(reps, ", "))
	}
	return "Map(" + strings.Join(parts, ", ") + ")"
}
