// Package group is the consumer group coordinator of Kafka 2.4 (GroupCoordinator,
// GroupMetadata and GroupMetadataManager) as a state machine without I/O: it starts no
// goroutines, reads no clock and touches no log. Every call takes the current time and an
// event, and returns the Effects the broker must carry out.
//
// # Shards
//
// A Shard holds the groups of one __consumer_offsets partition that this broker leads:
// PartitionFor(groupID, offsets.topic.num.partitions) names the partition, as Kafka's
// partitionFor. The broker keeps one Shard per led partition, each behind its own mutex;
// a Shard is not safe for concurrent use.
//
//	NewShard(partition int32, cfg Config, log *logrus.Entry) *Shard
//	(*Shard).Load(now time.Time, l *Loader) Effects
//	(*Shard).Handle(now time.Time, req Request) Effects
//	(*Shard).AppendDone(now time.Time, id uint64, err error) Effects
//	(*Shard).TimerFired(now time.Time, key TimerKey) Effects
//	(*Shard).PartitionsDeleted(now time.Time, topic string, partitions []int32) Effects
//	(*Shard).Unload(now time.Time) Effects
//
// Life of a shard: when LeaderAndIsr makes this broker leader of a __consumer_offsets
// partition, the broker creates the Shard (it answers COORDINATOR_LOAD_IN_PROGRESS from
// then on), reads the partition from its log start offset to its log end, hands the key
// and value of every record of every batch that is neither a control batch nor
// transactional to Loader.Add (a corrupt record is logged and skipped), then calls Load.
// When the broker stops leading the partition (LeaderAndIsr as follower, StopReplica) it
// calls Unload, carries out the effects (parked requests answered NOT_COORDINATOR) and
// drops the Shard; a later election creates a new one. When UpdateMetadata reports
// deleted topics, PartitionsDeleted drops their offsets.
//
// # Requests
//
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete
// go to the shard of their group. DescribeGroups and DeleteGroups are split by partition
// and the answers merged; ListGroups asks every shard and concatenates the groups (an
// error of any shard, such as COORDINATOR_LOAD_IN_PROGRESS, becomes the response's error).
// A group whose partition this broker does not lead is answered NOT_COORDINATOR by the
// broker itself. Request.Waiter is chosen by the broker, unique among its parked
// requests, and comes back in the Reply that answers the request: at once for most
// requests, later for JoinGroup (until the rebalance's join phase ends), SyncGroup (until
// the leader's assignment is stored) and OffsetCommit (until its records are appended).
// The connection waits for that Reply, in request order as Kafka's muted sockets do. As in
// Kafka, a JoinGroup or SyncGroup parked for a member replaces an older one of the same
// member, which then gets no Reply: that only happens after the client gave up on the
// older request and reconnected, so the broker drops the waiters of closed connections.
//
// # Effects
//
// Carry out the Effects of a call in order:
//
//   - Appends: append each Append's Records as one record batch (magic 2, CreateTime
//     Append.Timestamp) to __consumer_offsets partition Append.Partition as its leader.
//     Do the append itself while still holding the shard's mutex, so that the log holds
//     records in the order the shard produced them. For Acks -1 wait, outside the mutex,
//     until the high watermark passes the batch (or the append fails or times out after
//     offsets.commit.timeout.ms), then call AppendDone under the mutex with the produce
//     error as a *kerr.Error (nil on success) and carry out its effects in turn. Acks 0
//     (tombstones) needs no AppendDone.
//   - Replies: complete the parked request registered as Reply.To with Reply.Response,
//     which is already at the request's version.
//   - Timers: arm time.AfterFunc(time.Until(t.At), ...) calling TimerFired(time.Now(),
//     t.Key) under the mutex and carrying out its effects. A timer with the same Group,
//     Kind and Member as an armed one supersedes it; stop the old one or let it fire, the
//     shard ignores superseded and stale timers, and all timers after Unload.
//
// The mutex of a shard must not be held while waiting for anything (replication, a
// connection); an AfterFunc callback or an append completion that finds the shard gone
// simply drops its event.
//
// # Records
//
// The __consumer_offsets keys and values are those of Kafka 2.4 byte for byte
// (EncodeOffsetKey, EncodeGroupKey, EncodeOffsetValue, EncodeGroupValue and their
// decoders): offset key v1, offset value v3 (v1 with an explicit expire timestamp), group
// key v2, group value v3; every older version is read.
//
// # Differences from Kafka 2.4
//
// Transactional offset commits (TxnOffsetCommit and transactional batches in the log) are
// not supported. OffsetCommit and OffsetFetch v0 use __consumer_offsets instead of
// ZooKeeper. Members are kept in join order, which makes leader choice, protocol vote
// ties and response order deterministic where Kafka follows hash map order. Kafka 2.4.1
// reads a null group.instance.id of a v3 group record as a static member with a null id;
// here such members load as dynamic members. A JoinGroup refused with GROUP_MAX_SIZE_REACHED
// drops a static mapping only when it belonged to the member shed, where Kafka also drops
// the mapping of a restarted static member whose old incarnation stays in the group.
// Where Kafka throws IllegalStateException for a pending member id used with a
// group.instance.id, the request is answered UNKNOWN_MEMBER_ID.
package group
