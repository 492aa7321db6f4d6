// Package storage keeps partition logs in Apache Kafka 2.4's on-disk format, byte for byte,
// so that Kafka's own tools (kafka.tools.DumpLogSegments) and a Kafka broker can read a log
// dir written here and the other way round.
//
// # Layout of one log dir
//
//	<log.dir>/
//	  .lock                              exclusive lock (fcntl, open-file-description)
//	  .kafka_cleanshutdown               present only after a clean shutdown
//	  meta.properties                    java.util.Properties: version=0, broker.id, cluster.id
//	  recovery-point-offset-checkpoint   offsets below which each log is fsynced
//	  replication-offset-checkpoint      high watermarks
//	  log-start-offset-checkpoint        log start offsets above the first segment's base
//	  <topic>-<partition>/
//	    00000000000000000000.log         record batches, magic 2
//	    00000000000000000000.index       offset index
//	    00000000000000000000.timeindex   time index
//	    00000000000000000000.snapshot      producer state up to that offset (roll, close)
//	    leader-epoch-checkpoint
//	  <topic>-<partition>.<32 hex>-delete/   deleted partition awaiting removal
//
// Segment files are named by their base offset as 20 zero-padded decimal digits. Suffixes
// ".deleted" (waiting for file.delete.delay.ms), ".cleaned" and ".swap" (Kafka's cleaner)
// are appended to whole names; leftovers are removed when a log is opened.
//
// # .log
//
// A sequence of v2 record batches, big-endian, each 12+batchLength bytes:
//
//	0  baseOffset int64        17 crc uint32 (CRC-32C of bytes [21, end))
//	8  batchLength int32       21 attributes int16 (0-2 codec, 3 LogAppendTime, 4 txn, 5 control)
//	12 partitionLeaderEpoch    23 lastOffsetDelta int32
//	16 magic int8 (= 2)        27 firstTimestamp int64, 35 maxTimestamp int64
//	43 producerId int64, 51 producerEpoch int16, 53 baseSequence int32, 57 recordCount int32
//	61 records
//
// The leader assigns offsets by rewriting baseOffset and partitionLeaderEpoch, both outside
// the CRC; followers store the leader's bytes unchanged.
//
// # .index and .timeindex
//
// .index holds 8-byte entries (int32 offset-baseOffset, int32 file position); .timeindex
// 12-byte entries (int64 timestamp, int32 offset-baseOffset). An entry is added when more
// than index.interval.bytes were appended since the last one: (last offset of the append,
// position of its first batch) and, if the max timestamp grew, (max timestamp so far, its
// offset). New index files are preallocated to segment.index.bytes rounded down to whole
// entries and memory-mapped; a reopened index takes every byte of the file as entries, so
// indexes are trimmed to their entries when a segment stops being active and on close. The
// time index keeps its last slot for the entry written on roll. Lookups take the largest
// entry <= the target and scan batch headers from there. Indexes carry no checksum: a missing
// or inconsistent index is rebuilt from the .log.
//
// # Checkpoint files
//
// Text, "\n"-separated: a version line (0), an entry count, then one entry per line with
// fields separated by single spaces ("topic partition offset", or "epoch startOffset" in
// leader-epoch-checkpoint). Written to name.tmp, fsynced, renamed over the old file, then
// the directory is fsynced. An empty file has no entries.
//
// # Roll, flush, recovery
//
// A new segment starts (at max(first offset of the append, log end offset)) when the append
// would push the segment past segment.bytes, when segment.ms (minus a per-segment jitter) has
// passed since the first batch's max timestamp (or the segment's creation), when either index
// is full, or when an offset would not fit the index's int32. The old segment is then
// fsynced in the background and the recovery point advances. Otherwise data is fsynced only
// per flush.messages / flush.ms and on close: durability comes from replication, as in Kafka.
//
// Without .kafka_cleanshutdown, every segment from the one holding the recovery point on is
// rescanned: each batch must be complete, at least 61 bytes, CRC-valid and above the previous
// offset; indexes and the leader epoch cache are rebuilt; the first bad or torn batch and
// everything after it (including later segments) are removed, and the cut is logged. Bad data
// never stops a log from opening; only I/O errors do, and they take the log dir offline.
//
// # Concurrency
//
// See DESIGN.md. In short: one mutex per Log for appends and segment list changes; reads
// take the published segment list and log end offset atomically and never wait for appends.
package storage
