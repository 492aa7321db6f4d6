package broker

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/coordinator"
)

// TestCheckAssignmentFits: the size bound is exact for one-digit broker
// ids (the smallest znode an assignment can make), so a count is refused
// exactly when even that znode would exceed ZooKeeper's limit.
func TestCheckAssignmentFits(t *testing.T) {
	encoded := func(total, rf int32) int {
		a := make(map[int32][]int32, total)
		for p := int32(0); p < total; p++ {
			r := make([]int32, rf)
			for i := range r {
				r[i] = int32(i + 1)
			}
			a[p] = r
		}
		return len(coordinator.EncodeTopicAssignment(a, nil, nil))
	}
	for _, rf := range []int32{1, 3} {
		// The largest count whose smallest znode fits.
		lo, hi := int32(1), int32(200000)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if encoded(mid, rf) <= zkMaxData {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		if err := checkAssignmentFits(lo, rf); err != nil {
			t.Errorf("%d partitions, rf %d (%d bytes): refused: %v", lo, rf, encoded(lo, rf), err)
		}
		err := checkAssignmentFits(lo+1, rf)
		var ae *apiError
		if !errors.As(err, &ae) || ae.code != kerr.InvalidPartitions {
			t.Errorf("%d partitions, rf %d (%d bytes): %v, want INVALID_PARTITIONS", lo+1, rf, encoded(lo+1, rf), err)
		}
		if err := checkAssignmentFits(1<<30, rf); err == nil {
			t.Errorf("2^30 partitions, rf %d: accepted", rf)
		}
	}
}
