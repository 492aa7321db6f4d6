package election

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
)

// TopicPartition is org.apache.kafka.common.TopicPartition.
type TopicPartition = scalaorder.TopicPartition

// Error is a Java exception the tools throw: class and getMessage().
type Error struct {
	Class, Msg string
	// Causes are the toString() of the exceptions it wraps, outermost first.
	Causes []string
	// Suppressed are the toString() of exceptions added with addSuppressed.
	Suppressed []string
}

func (e *Error) Error() string { return e.Msg }

// JavaString is the exception's toString().
func (e *Error) JavaString() string { return e.Class + ": " + e.Msg }

// Messages of the two tools' parsers, which differ in wording only.
type Messages struct {
	Empty, MissingPartitions, Duplicates string
}

// PartitionsFile is the messages of parseReplicaElectionData
// (kafka-leader-election).
func PartitionsFile() Messages {
	return Messages{
		Empty:             "Replica election data is empty",
		MissingPartitions: "Replica election data is missing \"partitions\" field",
		Duplicates:        "Replica election data contains duplicate partitions: ",
	}
}

// PreferredFile is the messages of parsePreferredReplicaElectionData
// (kafka-preferred-replica-election).
func PreferredFile() Messages {
	return Messages{
		Empty:             "Preferred replica election data is empty",
		MissingPartitions: "Preferred replica election data is empty",
		Duplicates:        "Preferred replica election data contains duplicate partitions: ",
	}
}

func adminOperation(msg string) error {
	return &Error{Class: "kafka.admin.AdminOperationException", Msg: msg}
}

func jsonMapping(msg string) error {
	return &Error{Class: "com.fasterxml.jackson.databind.JsonMappingException", Msg: msg}
}

func nodeString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ParsePartitions reads {"partitions":[{"topic":"t","partition":0},...]}
// with kafka.utils.Json's semantics and returns the partitions in the
// order of the Scala Set the tools build from them (duplicates rejected).
func ParsePartitions(data []byte, m Messages) ([]TopicPartition, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var js any
	if err := d.Decode(&js); err != nil || js == nil {
		return nil, adminOperation(m.Empty)
	}
	obj, ok := js.(map[string]any)
	if !ok {
		return nil, jsonMapping("Expected JSON object, received " + nodeString(js))
	}
	raw, ok := obj["partitions"]
	if !ok {
		return nil, adminOperation(m.MissingPartitions)
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, jsonMapping("Expected JSON array, received " + nodeString(raw))
	}
	var tps []TopicPartition
	for _, e := range list {
		eo, ok := e.(map[string]any)
		if !ok {
			return nil, jsonMapping("Expected JSON object, received " + nodeString(e))
		}
		tv, ok := eo["topic"]
		if !ok {
			return nil, jsonMapping("No such field exists: `topic`")
		}
		topic, ok := tv.(string)
		if !ok {
			return nil, jsonMapping("Expected `String` value, received " + nodeString(tv))
		}
		pv, ok := eo["partition"]
		if !ok {
			return nil, jsonMapping("No such field exists: `partition`")
		}
		n, ok := pv.(json.Number)
		p, err := strconv.ParseInt(string(n), 10, 32)
		if !ok || err != nil {
			return nil, jsonMapping("Expected `Int` value, received " + nodeString(pv))
		}
		tps = append(tps, TopicPartition{Topic: topic, Partition: int32(p)})
	}
	if dups := duplicates(tps); len(dups) > 0 {
		s := make([]string, len(dups))
		for i, d := range dups {
			s[i] = d.String()
		}
		return nil, adminOperation(m.Duplicates + strings.Join(s, ","))
	}
	return scalaorder.Immutable(tps, hash), nil
}

func hash(tp TopicPartition) int32 { return tp.Hash() }

// duplicates is CoreUtils.duplicates: the repeated items in the order of
// the HashMap groupBy builds.
func duplicates(tps []TopicPartition) []TopicPartition {
	count := map[TopicPartition]int{}
	for _, tp := range tps {
		count[tp]++
	}
	var dups []TopicPartition
	for _, tp := range tps {
		if count[tp] > 1 {
			dups = append(dups, tp)
		}
	}
	return scalaorder.Champ(dups, hash)
}

// Join renders partitions with sep, as mkString does.
func Join(tps []TopicPartition, sep string) string {
	s := make([]string, len(tps))
	for i, tp := range tps {
		s[i] = tp.String()
	}
	return strings.Join(s, sep)
}

// String is the toString of a Scala Set of partitions in the given order;
// hashed says it is a HashSet.
func String(tps []TopicPartition, hashed bool) string {
	if hashed {
		return "HashSet(" + Join(tps, ", ") + ")"
	}
	return fmt.Sprintf("Set(%s)", Join(tps, ", "))
}
