package coordinator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// JSON codecs of Kafka 2.4's znodes (ZkData.scala). Encoders write the key
// order Kafka 2.4.1 (kafka_2.13 build) writes, so that zkCli output looks
// the same (see order.go and DESIGN.md); decoders, like Kafka's, ignore
// order and unknown keys and accept older versions. Numbers Kafka writes as strings (timestamps, producer id
// block bounds, cluster id version) are accepted either way.

// obj builds a JSON object with keys in the given order.
type obj struct {
	buf   bytes.Buffer
	first bool
}

func newObj() *obj { o := &obj{first: true}; o.buf.WriteByte('{'); return o }

func (o *obj) key(k string) {
	if !o.first {
		o.buf.WriteByte(',')
	}
	o.first = false
	kb, _ := json.Marshal(k)
	o.buf.Write(kb)
	o.buf.WriteByte(':')
}

func (o *obj) raw(k string, v []byte) *obj { o.key(k); o.buf.Write(v); return o }

func (o *obj) val(k string, v any) *obj {
	b, err := json.Marshal(v)
	if err != nil {
		// Only called with strings, ints and slices of them.
		panic(fmt.Sprintf("coordinator: encode %s: %v", k, err))
	}
	return o.raw(k, b)
}

func (o *obj) bytes() []byte { o.buf.WriteByte('}'); return o.buf.Bytes() }

// flexInt decodes a JSON number or a string holding one.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = str
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*f = flexInt(n)
	return nil
}

func int32s(xs []int32) []int32 {
	if xs == nil {
		return []int32{}
	}
	return xs
}

// --- /brokers/ids/<id> ---

// EncodeBrokerInfo encodes BrokerIdZNode v4. host/port are those of the
// first endpoint whose security protocol is PLAINTEXT (null/-1 if none).
func EncodeBrokerInfo(b BrokerInfo) []byte {
	protoMap := newObj()
	eps := make([]string, 0, len(b.Endpoints))
	for _, ep := range b.Endpoints {
		protoMap.val(ep.Listener, ep.SecurityProtocol)
		eps = append(eps, ep.String())
	}
	var host any // nil encodes as null
	port := int32(-1)
	for _, ep := range b.Endpoints {
		if ep.SecurityProtocol == "PLAINTEXT" {
			host, port = ep.Host, ep.Port
			break
		}
	}
	// Kafka serializes a Scala mutable HashMap: hash order (order.go).
	fields := map[string]any{"version": 4, "host": host, "port": port, "endpoints": eps,
		"jmx_port": b.JmxPort, "timestamp": b.Timestamp}
	keys := []string{"version", "host", "port", "endpoints", "jmx_port", "timestamp"}
	if b.Rack != nil {
		fields["rack"] = *b.Rack
		keys = append(keys, "rack")
	}
	keys = append(keys, "listener_security_protocol_map")
	o := newObj()
	for _, k := range scalaMutableHashOrder(keys) {
		if k == "listener_security_protocol_map" {
			o.raw(k, protoMap.bytes())
			continue
		}
		o.val(k, fields[k])
	}
	return o.bytes()
}

// endpointRE is EndPoint.uriParseExp of Kafka.
var endpointRE = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// ParseEndpoint parses LISTENER://host:port; the security protocol is
// looked up in protoMap, defaulting to the listener name (pre-v4 znodes).
func ParseEndpoint(s string, protoMap map[string]string) (Endpoint, error) {
	m := endpointRE.FindStringSubmatch(s)
	if m == nil {
		return Endpoint{}, fmt.Errorf("coordinator: unable to parse %q to a broker endpoint", s)
	}
	port, err := strconv.ParseInt(m[3], 10, 32)
	if err != nil {
		return Endpoint{}, fmt.Errorf("coordinator: endpoint %q: port: %w", s, err)
	}
	proto := strings.ToUpper(m[1])
	if p, ok := protoMap[m[1]]; ok {
		proto = p
	}
	return Endpoint{Listener: m[1], Host: m[2], Port: int32(port), SecurityProtocol: proto}, nil
}

type brokerJSON struct {
	Version   flexInt           `json:"version"`
	Host      *string           `json:"host"`
	Port      flexInt           `json:"port"`
	JmxPort   flexInt           `json:"jmx_port"`
	Timestamp json.RawMessage   `json:"timestamp"`
	Endpoints []string          `json:"endpoints"`
	Rack      *string           `json:"rack"`
	ProtoMap  map[string]string `json:"listener_security_protocol_map"`
}

// DecodeBrokerInfo decodes a /brokers/ids/<id> znode (versions 1-4). id and
// epoch (the znode's czxid) come from the path and stat.
func DecodeBrokerInfo(id int32, data []byte, epoch int64) (BrokerInfo, error) {
	var j brokerJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return BrokerInfo{}, fmt.Errorf("coordinator: broker %d: bad znode JSON: %w", id, err)
	}
	b := BrokerInfo{ID: id, Port: int32(j.Port), JmxPort: int32(j.JmxPort), Rack: j.Rack, Epoch: epoch}
	if j.Host != nil {
		b.Host = *j.Host
	}
	if len(j.Timestamp) > 0 {
		var ts flexInt
		if err := ts.UnmarshalJSON(j.Timestamp); err == nil {
			b.Timestamp = strconv.FormatInt(int64(ts), 10)
		}
	}
	switch {
	case j.Version < 1:
		return BrokerInfo{}, fmt.Errorf("coordinator: broker %d: unsupported version of broker registration: %s", id, data)
	case j.Version == 1:
		// Version 1 znodes have only host and port; BrokerIdZNode.decode
		// reads nothing else, whatever other keys the znode holds.
		if j.Host == nil {
			return BrokerInfo{}, fmt.Errorf("coordinator: broker %d: version 1 registration has no host", id)
		}
		b.Endpoints = []Endpoint{{Listener: "PLAINTEXT", Host: b.Host, Port: b.Port, SecurityProtocol: "PLAINTEXT"}}
	default:
		for _, s := range j.Endpoints {
			ep, err := ParseEndpoint(s, j.ProtoMap)
			if err != nil {
				return BrokerInfo{}, fmt.Errorf("coordinator: broker %d: %w", id, err)
			}
			b.Endpoints = append(b.Endpoints, ep)
		}
	}
	return b, nil
}

// Endpoint returns the broker's endpoint for a listener name.
func (b BrokerInfo) Endpoint(listener string) (Endpoint, bool) {
	for _, ep := range b.Endpoints {
		if ep.Listener == listener {
			return ep, true
		}
	}
	return Endpoint{}, false
}

// --- /brokers/topics/<t> ---

func encodePartitionMap(m map[int32][]int32) []byte {
	ids := make([]int32, 0, len(m))
	for p := range m {
		ids = append(ids, p)
	}
	o := newObj()
	for _, k := range partitionKeyOrder(ids) {
		p, _ := strconv.ParseInt(k, 10, 32)
		o.val(k, int32s(m[int32(p)]))
	}
	return o.bytes()
}

// EncodeTopicAssignment encodes TopicZNode v2. adding and removing are the
// KIP-455 in-progress reassignment lists; nil encodes as {}.
func EncodeTopicAssignment(partitions, adding, removing map[int32][]int32) []byte {
	return newObj().val("version", 2).raw("partitions", encodePartitionMap(partitions)).
		raw("adding_replicas", encodePartitionMap(adding)).
		raw("removing_replicas", encodePartitionMap(removing)).bytes()
}

// TopicAssignment is a decoded /brokers/topics/<t>.
type TopicAssignment struct {
	Partitions map[int32][]int32
	Adding     map[int32][]int32
	Removing   map[int32][]int32
}

type topicJSON struct {
	Version    flexInt            `json:"version"`
	Partitions map[string][]int32 `json:"partitions"`
	Adding     map[string][]int32 `json:"adding_replicas"`
	Removing   map[string][]int32 `json:"removing_replicas"`
}

func decodePartitionMap(m map[string][]int32) (map[int32][]int32, error) {
	out := make(map[int32][]int32, len(m))
	for k, v := range m {
		p, err := strconv.ParseInt(k, 10, 32)
		if err != nil || p < 0 {
			return nil, fmt.Errorf("bad partition id %q", k)
		}
		out[int32(p)] = v
	}
	return out, nil
}

// DecodeTopicAssignment decodes TopicZNode v1 or v2.
func DecodeTopicAssignment(data []byte) (TopicAssignment, error) {
	var j topicJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return TopicAssignment{}, fmt.Errorf("coordinator: bad topic znode JSON: %w", err)
	}
	var a TopicAssignment
	var err error
	if a.Partitions, err = decodePartitionMap(j.Partitions); err != nil {
		return TopicAssignment{}, fmt.Errorf("coordinator: topic znode: %w", err)
	}
	if a.Adding, err = decodePartitionMap(j.Adding); err != nil {
		return TopicAssignment{}, fmt.Errorf("coordinator: topic znode: adding_replicas: %w", err)
	}
	if a.Removing, err = decodePartitionMap(j.Removing); err != nil {
		return TopicAssignment{}, fmt.Errorf("coordinator: topic znode: removing_replicas: %w", err)
	}
	return a, nil
}

// --- /brokers/topics/<t>/partitions/<p>/state ---

// EncodePartitionState encodes TopicPartitionStateZNode v1 (ZkVersion is
// the znode's version, not part of the data).
func EncodePartitionState(s PartitionState) []byte {
	return newObj().val("controller_epoch", s.ControllerEpoch).val("leader", s.Leader).
		val("version", 1).val("leader_epoch", s.LeaderEpoch).val("isr", int32s(s.ISR)).bytes()
}

type stateJSON struct {
	ControllerEpoch *flexInt `json:"controller_epoch"`
	Leader          *flexInt `json:"leader"`
	LeaderEpoch     *flexInt `json:"leader_epoch"`
	ISR             []int32  `json:"isr"`
}

// DecodePartitionState decodes a state znode; zkVersion is its stat version.
func DecodePartitionState(data []byte, zkVersion int32) (PartitionState, error) {
	var j stateJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return PartitionState{}, fmt.Errorf("coordinator: bad partition state JSON: %w", err)
	}
	if j.Leader == nil || j.LeaderEpoch == nil || j.ControllerEpoch == nil {
		return PartitionState{}, fmt.Errorf("coordinator: partition state %q lacks leader, leader_epoch or controller_epoch", data)
	}
	return PartitionState{Leader: int32(*j.Leader), LeaderEpoch: int32(*j.LeaderEpoch),
		ControllerEpoch: int32(*j.ControllerEpoch), ISR: int32s(j.ISR), ZkVersion: zkVersion}, nil
}

// --- /controller, /controller_epoch ---

// EncodeController encodes ControllerZNode v1.
func EncodeController(brokerID int32, timestampMs int64) []byte {
	return newObj().val("version", 1).val("brokerid", brokerID).
		val("timestamp", strconv.FormatInt(timestampMs, 10)).bytes()
}

// DecodeController returns the controller's broker id. Like Kafka it also
// accepts a bare integer.
func DecodeController(data []byte) (int32, error) {
	var j struct {
		BrokerID *flexInt `json:"brokerid"`
	}
	if err := json.Unmarshal(data, &j); err == nil && j.BrokerID != nil {
		return int32(*j.BrokerID), nil
	}
	var n flexInt
	if err := n.UnmarshalJSON(bytes.TrimSpace(data)); err == nil && len(bytes.TrimSpace(data)) > 0 {
		return int32(n), nil
	}
	return -1, fmt.Errorf("coordinator: bad /controller data %q", data)
}

// EncodeControllerEpoch encodes /controller_epoch: decimal text.
func EncodeControllerEpoch(epoch int32) []byte { return []byte(strconv.Itoa(int(epoch))) }

// DecodeControllerEpoch decodes /controller_epoch.
func DecodeControllerEpoch(data []byte) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("coordinator: bad /controller_epoch data %q", data)
	}
	return int32(n), nil
}

// --- /cluster/id ---

// EncodeClusterID encodes ClusterIdZNode: version is a string.
func EncodeClusterID(id string) []byte {
	return newObj().val("version", "1").val("id", id).bytes()
}

// DecodeClusterID decodes /cluster/id.
func DecodeClusterID(data []byte) (string, error) {
	var j struct {
		ID *string `json:"id"`
	}
	if err := json.Unmarshal(data, &j); err != nil || j.ID == nil {
		return "", fmt.Errorf("coordinator: bad /cluster/id data %q", data)
	}
	return *j.ID, nil
}

// --- /config/<type>/<name>, /config/changes ---

// EncodeConfig encodes ConfigEntityZNode: {"version":1,"config":{...}},
// byte for byte as Kafka 2.4.1 writes it on Java 9 or later (the order of
// its java.util.Properties; see EncodeEntityConfig). Java 8's Properties
// was a Hashtable with another order; readers do not care, and the Java
// tools this project is checked against run on a current JVM.
func EncodeConfig(cfg map[string]string) []byte {
	return EncodeEntityConfig(cfg)
}

// DecodeConfig decodes a config entity znode. Null or empty data is an
// empty config.
func DecodeConfig(data []byte) (map[string]string, error) {
	out := map[string]string{}
	if len(bytes.TrimSpace(data)) == 0 {
		return out, nil
	}
	var j struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("coordinator: bad config znode JSON: %w", err)
	}
	for k, v := range j.Config {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

// EncodeConfigChange encodes a config change notification v2, entityPath
// like "topics/my-topic" or "brokers/<default>" (written unescaped, as
// Jackson does).
func EncodeConfigChange(entityPath string) []byte {
	return EncodeEntityConfigChange(entityPath)
}

// DecodeConfigChange returns the entity path of a v2 notification or
// "<entity_type>/<entity_name>" of a v1.
func DecodeConfigChange(data []byte) (string, error) {
	var j struct {
		Version    flexInt `json:"version"`
		EntityPath string  `json:"entity_path"`
		EntityType string  `json:"entity_type"`
		EntityName string  `json:"entity_name"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return "", fmt.Errorf("coordinator: bad config change JSON: %w", err)
	}
	switch {
	case j.Version >= 2 && j.EntityPath != "":
		return j.EntityPath, nil
	case j.Version == 1 && j.EntityType != "" && j.EntityName != "":
		return j.EntityType + "/" + j.EntityName, nil
	}
	return "", fmt.Errorf("coordinator: config change %q has no entity", data)
}

// --- partition lists: isr_change_, preferred election, reassignment ---

func encodePartitionList(tps []TopicPartition) []byte {
	var list bytes.Buffer
	list.WriteByte('[')
	for i, tp := range tps {
		if i > 0 {
			list.WriteByte(',')
		}
		list.Write(newObj().val("topic", tp.Topic).val("partition", tp.Partition).bytes())
	}
	list.WriteByte(']')
	return newObj().val("version", 1).raw("partitions", list.Bytes()).bytes()
}

type partitionListJSON struct {
	Partitions []struct {
		Topic     *string  `json:"topic"`
		Partition *flexInt `json:"partition"`
		Replicas  []int32  `json:"replicas"`
	} `json:"partitions"`
}

func decodePartitionList(what string, data []byte) (partitionListJSON, error) {
	var j partitionListJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return j, fmt.Errorf("coordinator: bad %s JSON: %w", what, err)
	}
	for _, p := range j.Partitions {
		if p.Topic == nil || p.Partition == nil {
			return j, fmt.Errorf("coordinator: %s: entry lacks topic or partition", what)
		}
	}
	return j, nil
}

// EncodeISRChange encodes an isr_change_ notification v1.
func EncodeISRChange(tps []TopicPartition) []byte { return encodePartitionList(tps) }

// DecodeISRChange decodes an isr_change_ notification.
func DecodeISRChange(data []byte) ([]TopicPartition, error) {
	j, err := decodePartitionList("isr change notification", data)
	if err != nil {
		return nil, err
	}
	out := make([]TopicPartition, 0, len(j.Partitions))
	for _, p := range j.Partitions {
		out = append(out, TopicPartition{Topic: *p.Topic, Partition: int32(*p.Partition)})
	}
	return out, nil
}

// EncodePreferredElection encodes /admin/preferred_replica_election v1.
func EncodePreferredElection(tps []TopicPartition) []byte { return encodePartitionList(tps) }

// DecodePreferredElection decodes /admin/preferred_replica_election.
func DecodePreferredElection(data []byte) ([]TopicPartition, error) { return DecodeISRChange(data) }

// Reassignment is one partition's target replicas.
type Reassignment struct {
	TopicPartition
	Replicas []int32
}

// EncodeReassignment encodes /admin/reassign_partitions v1.
func EncodeReassignment(rs []Reassignment) []byte {
	var list bytes.Buffer
	list.WriteByte('[')
	for i, r := range rs {
		if i > 0 {
			list.WriteByte(',')
		}
		list.Write(newObj().val("topic", r.Topic).val("partition", r.Partition).val("replicas", int32s(r.Replicas)).bytes())
	}
	list.WriteByte(']')
	return newObj().val("version", 1).raw("partitions", list.Bytes()).bytes()
}

// DecodeReassignment decodes /admin/reassign_partitions.
func DecodeReassignment(data []byte) ([]Reassignment, error) {
	j, err := decodePartitionList("reassignment", data)
	if err != nil {
		return nil, err
	}
	out := make([]Reassignment, 0, len(j.Partitions))
	for _, p := range j.Partitions {
		out = append(out, Reassignment{TopicPartition{Topic: *p.Topic, Partition: int32(*p.Partition)}, int32s(p.Replicas)})
	}
	return out, nil
}

// --- /latest_producer_id_block ---

// ProducerIDBlock is a claimed, inclusive range of producer ids.
type ProducerIDBlock struct {
	Broker     int32
	Start, End int64
}

// EncodeProducerIDBlock encodes ProducerIdBlockZNode v1 (bounds as strings).
func EncodeProducerIDBlock(b ProducerIDBlock) []byte {
	return newObj().val("version", 1).val("broker", b.Broker).
		val("block_start", strconv.FormatInt(b.Start, 10)).val("block_end", strconv.FormatInt(b.End, 10)).bytes()
}

// DecodeProducerIDBlock decodes /latest_producer_id_block.
func DecodeProducerIDBlock(data []byte) (ProducerIDBlock, error) {
	var j struct {
		Broker flexInt  `json:"broker"`
		Start  *flexInt `json:"block_start"`
		End    *flexInt `json:"block_end"`
	}
	if err := json.Unmarshal(data, &j); err != nil || j.Start == nil || j.End == nil {
		return ProducerIDBlock{}, fmt.Errorf("coordinator: bad producer id block %q", data)
	}
	return ProducerIDBlock{Broker: int32(j.Broker), Start: int64(*j.Start), End: int64(*j.End)}, nil
}

// --- /log_dir_event_notification ---

// EncodeLogDirEvent encodes a log dir failure notification.
func EncodeLogDirEvent(broker int32) []byte {
	return newObj().val("version", 1).val("broker", broker).val("event", 1).bytes()
}

// DecodeLogDirEvent returns the broker of a log dir event notification.
func DecodeLogDirEvent(data []byte) (int32, error) {
	var j struct {
		Broker *flexInt `json:"broker"`
	}
	if err := json.Unmarshal(data, &j); err != nil || j.Broker == nil {
		return 0, fmt.Errorf("coordinator: bad log dir event %q", data)
	}
	return int32(*j.Broker), nil
}

// hostPort joins for dialing.
func hostPort(host string, port int32) string { return net.JoinHostPort(host, strconv.Itoa(int(port))) }
