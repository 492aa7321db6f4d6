package group

// consumerProtocolType is ConsumerProtocol.PROTOCOL_TYPE: only groups of this type have
// their subscriptions parsed (for offset expiration and OffsetDelete).
const consumerProtocolType = "consumer"

// subscribedTopics parses the topics of a consumer protocol subscription the way Kafka 2.4's
// GroupMetadata.computeSubscribedTopics does: read the int16 version, then the version 0
// prefix (topics [string], user_data nullable bytes) that every later version starts with.
// Trailing bytes (v1's owned partitions) are ignored. ok is false when the bytes do not
// follow the schema.
func subscribedTopics(metadata []byte) (topics []string, ok bool) {
	r := reader{b: metadata}
	r.int16()
	n := r.arrayLen()
	for i := int32(0); i < n && r.err == nil; i++ {
		topics = append(topics, r.string())
	}
	// user_data: nullable bytes.
	if l := r.int32(); r.err == nil && l >= 0 { // any negative length is null
		r.take(int(l), "user_data")
	}
	return topics, r.err == nil
}
