// Package controller holds the I/O-free decisions of Kafka 2.4's controller:
// leader election algorithms, ISR shrinking on replica loss, the broker-set
// diff that drives broker startup and failure handling, and the batching of
// control requests (LeaderAndIsr v4, UpdateMetadata v6, StopReplica v2) per
// destination broker.
//
// Nothing here touches ZooKeeper or the network; the coordinator package
// runs the event loop, performs the ZooKeeper writes and hands the requests
// built here to one ordered sender per broker.
package controller
