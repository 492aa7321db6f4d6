package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
)

// The JSON files of the tool, read with the semantics of kafka.utils.Json
// (Jackson's tree model): one JSON value, trailing content ignored, fields
// converted with JsonValue.to[T] and its error messages.

// anyLogDir is the "any" log directory of the log_dirs list.
const anyLogDir = "any"

type tp = scalaorder.TopicPartition

func tpHash(t tp) int32 { return t.Hash() }

// parseJSON is Json.parseFull: nil (and no error) when the text is not JSON.
func parseJSON(data []byte) any {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || v == nil {
		return nil
	}
	return v
}

// nodeString renders a JSON node as Jackson's JsonNode.toString does.
func nodeString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func asObject(v any) (map[string]any, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, jsonMapping("Expected JSON object, received " + nodeString(v))
	}
	return o, nil
}

func asArray(v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, jsonMapping("Expected JSON array, received " + nodeString(v))
	}
	return a, nil
}

func field(o map[string]any, name string) (any, error) {
	v, ok := o[name]
	if !ok {
		return nil, jsonMapping(fmt.Sprintf("No such field exists: `%s`", name))
	}
	return v, nil
}

func toInt(v any) (int32, error) {
	if n, ok := v.(json.Number); ok && !strings.ContainsAny(string(n), ".eE") {
		if i, err := strconv.ParseInt(string(n), 10, 32); err == nil {
			return int32(i), nil
		}
	}
	return 0, jsonMapping("Expected `Int` value, received " + nodeString(v))
}

func toString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", jsonMapping("Expected `String` value, received " + nodeString(v))
}

func toInts(v any) ([]int32, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, jsonMapping("Expected JSON array, received " + nodeString(v))
	}
	out := make([]int32, 0, len(a))
	for _, e := range a {
		i, err := toInt(e)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}

func toStrings(v any) ([]string, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, jsonMapping("Expected JSON array, received " + nodeString(v))
	}
	out := make([]string, 0, len(a))
	for _, e := range a {
		s, err := toString(e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// version reads the optional "version" field (default 1) and rejects any
// other version, as both parsers of the tool do.
func version(o map[string]any) error {
	v := int32(1)
	if raw, ok := o["version"]; ok {
		var err error
		if v, err = toInt(raw); err != nil {
			return err
		}
	}
	if v != 1 {
		return adminOperation(fmt.Sprintf("Not supported version field value %d", v))
	}
	return nil
}

// parseTopics is parseTopicsData: the topics of --topics-to-move-json-file
// in file order; a missing "topics" field is an empty list.
func parseTopics(data []byte) ([]string, error) {
	js := parseJSON(data)
	if js == nil {
		return nil, adminOperation("The input string is not a valid JSON")
	}
	o, err := asObject(js)
	if err != nil {
		return nil, err
	}
	if err := version(o); err != nil {
		return nil, err
	}
	raw, ok := o["topics"]
	if !ok {
		return nil, nil
	}
	list, err := asArray(raw)
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, e := range list {
		eo, err := asObject(e)
		if err != nil {
			return nil, err
		}
		f, err := field(eo, "topic")
		if err != nil {
			return nil, err
		}
		t, err := toString(f)
		if err != nil {
			return nil, err
		}
		topics = append(topics, t)
	}
	return topics, nil
}

// proposal is one entry of the reassignment file.
type proposal struct {
	tp       tp
	replicas []int32
}

// replica is a TopicPartitionReplica.
type replica struct {
	tp     tp
	broker int32
}

// String is TopicPartitionReplica.toString.
func (r replica) String() string {
	return fmt.Sprintf("%s-%d-%d", r.tp.Topic, r.tp.Partition, r.broker)
}

// parseReassignment is parsePartitionReassignmentData: the entries in file
// order (duplicates kept for the checks) and the replicas given a log
// directory other than "any", in file order.
func parseReassignment(data []byte) ([]proposal, []replicaDir, error) {
	js := parseJSON(data)
	if js == nil {
		return nil, nil, adminOperation("The input string is not a valid JSON")
	}
	o, err := asObject(js)
	if err != nil {
		return nil, nil, err
	}
	if err := version(o); err != nil {
		return nil, nil, err
	}
	raw, ok := o["partitions"]
	if !ok {
		return nil, nil, nil
	}
	list, err := asArray(raw)
	if err != nil {
		return nil, nil, err
	}
	var props []proposal
	var dirs []replicaDir
	for _, e := range list {
		eo, err := asObject(e)
		if err != nil {
			return nil, nil, err
		}
		var p proposal
		f, err := field(eo, "topic")
		if err == nil {
			p.tp.Topic, err = toString(f)
		}
		if err == nil {
			f, err = field(eo, "partition")
		}
		if err == nil {
			p.tp.Partition, err = toInt(f)
		}
		if err == nil {
			f, err = field(eo, "replicas")
		}
		if err == nil {
			p.replicas, err = toInts(f)
		}
		if err != nil {
			return nil, nil, err
		}
		logDirs := make([]string, len(p.replicas))
		for i := range logDirs {
			logDirs[i] = anyLogDir
		}
		if f, ok := eo["log_dirs"]; ok {
			if logDirs, err = toStrings(f); err != nil {
				return nil, nil, err
			}
		}
		if len(logDirs) != len(p.replicas) {
			return nil, nil, adminCommandFailed(fmt.Sprintf("Size of replicas list %s is different from size of log dirs list %s for partition %s",
				scalaorder.SeqString("List", p.replicas), "List("+strings.Join(logDirs, ", ")+")", p.tp))
		}
		props = append(props, p)
		for i, d := range logDirs {
			if d != anyLogDir {
				dirs = append(dirs, replicaDir{replica{p.tp, p.replicas[i]}, d})
			}
		}
	}
	return props, dirs, nil
}

// replicaDir is a replica to move to a log directory.
type replicaDir struct {
	replica replica
	dir     string
}

// assignment is one partition's replicas, an entry of a Scala map.
type assignment struct {
	tp       tp
	replicas []int32
}

// formatReassignmentJSON is formatAsReassignmentJson: Jackson's compact
// output of the entries in the order given, every log dir "any".
func formatReassignmentJSON(as []assignment) string {
	var b strings.Builder
	b.WriteString(`{"version":1,"partitions":[`)
	for i, a := range as {
		if i > 0 {
			b.WriteByte(',')
		}
		topic, _ := json.Marshal(a.tp.Topic)
		fmt.Fprintf(&b, `{"topic":%s,"partition":%d,"replicas":[`, topic, a.tp.Partition)
		dirs := make([]string, len(a.replicas))
		for j, r := range a.replicas {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(r)))
			dirs[j] = `"` + anyLogDir + `"`
		}
		b.WriteString(`],"log_dirs":[` + strings.Join(dirs, ",") + `]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}
