// Package protocol is Kafka's framing on top of kmsg: size-prefixed frames,
// request and response headers, API key and version checks, a small client
// (Conn, Pool) for broker-to-broker and tool traffic, and magic 2 record
// batch validation. Request and response bodies are encoded and decoded by
// kmsg; nothing here hand-writes an API's codec.
//
// # Frames
//
// Every request and response is an int32 big-endian size followed by that
// many bytes. ReadFrame checks the size against a maximum (the broker's
// socket.request.max.bytes, DefaultMaxRequestBytes) and rejects negative
// sizes before allocating anything, and allocates large frames as their
// bytes arrive. A size whose bytes spell an HTTP method or a TLS record
// header is named in the error: the usual cause is a client of the wrong
// protocol pointed at the listener.
//
// # Headers
//
//	request header v0: api_key int16, api_version int16, correlation_id int32
//	                   (ControlledShutdown v0 only)
//	request header v1: v0 + client_id nullable string (int16 length)
//	request header v2: v1 + tagged fields (flexible versions; the client id
//	                   stays a non-compact string)
//	response header v0: correlation_id int32
//	response header v1: v0 + tagged fields (flexible versions)
//
// ApiVersions responses always use response header v0, even at flexible
// versions, so that a client can read the reply before it knows which
// versions the broker speaks. ParseRequest refuses only what kmsg cannot
// decode (unknown keys, versions above kmsg's); which versions are
// advertised and served is the broker's table.
//
// # Record batches (magic 2)
//
//	offset  field                 type
//	0       baseOffset            int64
//	8       batchLength           int32   bytes after this field
//	12      partitionLeaderEpoch  int32
//	16      magic                 int8    always 2
//	17      crc                   uint32  CRC-32C of bytes [21, end)
//	21      attributes            int16   bits 0-2 codec, 3 LogAppendTime,
//	                                      4 transactional, 5 control
//	23      lastOffsetDelta       int32
//	27      firstTimestamp        int64
//	35      maxTimestamp          int64
//	43      producerId            int64
//	51      producerEpoch         int16
//	53      baseSequence          int32
//	57      recordCount           int32
//	61      records               possibly compressed as one block
//
// A record is: length varint, attributes int8, timestampDelta varlong,
// offsetDelta varint, key (varint length, -1 = null), value (likewise),
// header count varint, then per header a key (varint length) and a value
// (varint length, -1 = null). Varints are zig-zag encoded.
//
// # What is refused
//
// ValidateProduceBatches applies Kafka 2.4's produce checks and classes
// (CORRUPT_MESSAGE for CRC and length damage, INVALID_RECORD for rule
// violations, UNSUPPORTED_COMPRESSION_TYPE for zstd below produce v7) to
// magic 2 data. Magic 0 and 1 message sets (Produce v0-2) are parsed by
// ParseLegacyEntries and up-converted by the broker before validation, as
// Kafka 2.4 does; handed to ValidateProduceBatches directly they are refused
// (ErrUnsupportedForMessageFormat, or ErrInvalidRecord at produce v3+ as
// Kafka does). Trailing bytes too short to be a batch are an error instead of
// being trimmed silently. Decompression is bounded
// (compress.DefaultLimit) so a compressed batch cannot expand without limit.
package protocol
