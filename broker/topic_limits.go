package broker

import (
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
)

// zkMaxData is ZooKeeper's default jute.maxbuffer (0xfffff): a znode's data
// cannot be larger, so a topic whose assignment znode would exceed it can
// never be created.
const zkMaxData = 0xfffff

// topicZnodeOverhead is the topic znode's JSON without any partition:
// {"version":2,"partitions":{},"adding_replicas":{},"removing_replicas":{}}.
const topicZnodeOverhead = 73

// checkAssignmentFits refuses a partition count whose topic znode could not
// be written, before the assignment is built. Kafka builds the whole map
// first; for a request asking millions of partitions that costs gigabytes
// of memory on the controller only to fail at the ZooKeeper write, so one
// unauthenticated request could take the broker down. The size used is a
// lower bound (every broker id one digit), so nothing that fits is refused.
func checkAssignmentFits(total, rf int32) error {
	size := int64(topicZnodeOverhead) - 1      // no comma after the last partition
	perPartition := int64(2+1+2) + 2*int64(rf) // "p":[...] with rf one-digit ids and commas
	for p := int32(0); p < total; p++ {
		size += perPartition + int64(len(strconv.Itoa(int(p))))
		if size > zkMaxData {
			return newAPIError(kerr.InvalidPartitions, fmt.Sprintf(
				"The assignment of %d partitions with replication factor %d does not fit in the topic's ZooKeeper znode (more than %d bytes, ZooKeeper's limit).",
				total, rf, zkMaxData))
		}
	}
	return nil
}
