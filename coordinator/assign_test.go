package coordinator

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func metas(ids ...int32) []BrokerMeta {
	out := make([]BrokerMeta, len(ids))
	for i, id := range ids {
		out[i] = BrokerMeta{ID: id}
	}
	return out
}

func TestAssignReplicasFixed(t *testing.T) {
	tests := []struct {
		name             string
		brokers          []BrokerMeta
		partitions, rf   int32
		fixed, startPart int32
		want             map[int32][]int32
	}{
		{"kafka example", metas(1, 2, 3), 4, 2, 0, -1,
			map[int32][]int32{0: {1, 2}, 1: {2, 3}, 2: {3, 1}, 3: {1, 3}}},
		{"rf3 of 5 start 0", metas(0, 1, 2, 3, 4), 10, 3, 0, -1,
			// Kafka's AdminUtilsTest "testReplicaAssignment" expectation.
			map[int32][]int32{0: {0, 1, 2}, 1: {1, 2, 3}, 2: {2, 3, 4}, 3: {3, 4, 0}, 4: {4, 0, 1},
				5: {0, 2, 3}, 6: {1, 3, 4}, 7: {2, 4, 0}, 8: {3, 0, 1}, 9: {4, 1, 2}}},
		{"single broker", metas(5), 3, 1, 0, -1, map[int32][]int32{0: {5}, 1: {5}, 2: {5}}},
		{"add partitions", metas(1, 2, 3), 2, 2, 1, 3, map[int32][]int32{3: {2, 3}, 4: {3, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AssignReplicas(tt.brokers, tt.partitions, tt.rf, tt.fixed, tt.startPart, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestAssignReplicasErrors(t *testing.T) {
	tests := []struct {
		name           string
		brokers        []BrokerMeta
		partitions, rf int32
		sentinel       error
		msg            string
	}{
		{"rf too large", metas(1), 1, 3, ErrInvalidReplicationFactor, "Replication factor: 3 larger than available brokers: 1."},
		{"rf zero", metas(1), 1, 0, ErrInvalidReplicationFactor, "Replication factor must be larger than 0."},
		{"partitions zero", metas(1), 0, 1, ErrInvalidPartitions, "Number of partitions must be larger than 0."},
		{"partial racks", []BrokerMeta{{ID: 1, Rack: strp("a")}, {ID: 2}}, 1, 1, ErrInvalidReplicaAssignment,
			"Not all brokers have rack information for replica rack aware assignment."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AssignReplicas(tt.brokers, tt.partitions, tt.rf, -1, -1, nil)
			if !errors.Is(err, tt.sentinel) || err.Error() != tt.msg {
				t.Errorf("got %v, want %q (%v)", err, tt.msg, tt.sentinel)
			}
		})
	}
}

func TestAssignReplicasRandomIsBalanced(t *testing.T) {
	rnd := rand.New(rand.NewSource(7))
	for range 20 {
		got, err := AssignReplicas(metas(1, 2, 3, 4), 8, 3, -1, -1, rnd)
		if err != nil {
			t.Fatal(err)
		}
		leaders := map[int32]int{}
		for p, reps := range got {
			if len(reps) != 3 {
				t.Fatalf("partition %d: %v", p, reps)
			}
			seen := map[int32]bool{}
			for _, r := range reps {
				if seen[r] {
					t.Fatalf("duplicate replica in %v", reps)
				}
				seen[r] = true
			}
			leaders[reps[0]]++
		}
		for b, n := range leaders {
			if n != 2 {
				t.Fatalf("broker %d leads %d of 8 partitions: %v", b, n, got)
			}
		}
	}
}

func TestAssignReplicasRackAware(t *testing.T) {
	// Kafka's AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers.
	rackOf := map[int32]string{0: "rack1", 1: "rack3", 2: "rack3", 3: "rack2", 4: "rack2", 5: "rack1"}
	if got := rackAlternated(rackOf); !reflect.DeepEqual(got, []int32{0, 3, 1, 5, 4, 2}) {
		t.Errorf("rack alternated list %v", got)
	}
	var bs []BrokerMeta
	for id := int32(0); id < 6; id++ {
		bs = append(bs, BrokerMeta{ID: id, Rack: strp(rackOf[id])})
	}
	got, err := AssignReplicas(bs, 7, 3, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]int32{0: {0, 3, 1}, 1: {3, 1, 5}, 2: {1, 5, 4}, 3: {5, 4, 2}, 4: {4, 2, 0}, 5: {2, 0, 3}, 6: {0, 4, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestAddPartitionsAssignment(t *testing.T) {
	got, err := AddPartitionsAssignment("t", metas(1, 2, 3), map[int32][]int32{0: {2, 3}, 1: {3, 1}}, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	// start index = index of broker 2 = 1; partitions 2 and 3.
	want := map[int32][]int32{2: {1, 3}, 3: {2, 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
	_, err = AddPartitionsAssignment("t", metas(1), map[int32][]int32{0: {1}}, 1, nil)
	if !errors.Is(err, ErrInvalidPartitions) || !strings.Contains(err.Error(), "can only be increased") {
		t.Errorf("got %v", err)
	}
}

func TestValidateTopicName(t *testing.T) {
	long := strings.Repeat("a", 250)
	tests := []struct {
		name, topic, msg string
	}{
		{"ok", "my-topic.v1_x", ""},
		{"max length", strings.Repeat("a", 249), ""},
		{"empty", "", "Topic name is illegal, it can't be empty"},
		{"dot", ".", `Topic name cannot be "." or ".."`},
		{"dotdot", "..", `Topic name cannot be "." or ".."`},
		{"too long", long, "Topic name is illegal, it can't be longer than 249 characters, topic name: " + long},
		{"bad char", "a b", `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{"non ascii", "tópico", `Topic name "tópico" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTopicName(tt.topic)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.msg || !errors.Is(err, ErrInvalidTopic) {
				t.Errorf("got %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestValidateAssignment(t *testing.T) {
	tests := []struct {
		name string
		a    map[int32][]int32
		msg  string
	}{
		{"ok", map[int32][]int32{0: {1, 2}, 1: {2, 1}}, ""},
		{"uneven", map[int32][]int32{0: {1, 2}, 1: {2}}, "All partitions should have the same number of replicas"},
		{"dup", map[int32][]int32{0: {1, 1}}, "Duplicate replica assignment found: Map(0 -> List(1, 1))"},
		{"gap", map[int32][]int32{0: {1}, 2: {1}}, "partitions should be a consecutive 0-based integer sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateAssignment(tt.a)
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != tt.msg {
				t.Errorf("got %v want %q", err, tt.msg)
			}
		})
	}
}
