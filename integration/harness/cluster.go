package harness

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
)

// clusterTimeout bounds WaitCluster: registration and controller election
// take seconds; a minute and a half means something is wrong.
const clusterTimeout = 90 * time.Second

// WaitCluster waits until exactly the brokers ids are registered under
// zk's /brokers/ids (zk includes the test's chroot) and a controller is
// elected, and returns the controller's id. It reads ZooKeeper the way a
// Kafka tool would, so it works for Samsa's and Kafka's brokers alike.
func WaitCluster(t testing.TB, zk string, ids ...int32) int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	z, err := coordinator.Dial(ctx, zk, 10*time.Second, nil)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	defer z.Close()
	want := slices.Sorted(slices.Values(ids))
	var last string
	for {
		got, controller, err := registrations(ctx, z)
		if err == nil && slices.Equal(got, want) && controller >= 0 {
			return controller
		}
		last = fmt.Sprintf("registered %v, controller %d, error %v", got, controller, err)
		if sleepCtx(ctx, 100*time.Millisecond) != nil {
			t.Fatalf("harness: brokers %v not registered with a controller under %s after %v: %s", want, zk, clusterTimeout, last)
		}
	}
}

// registrations returns the registered broker ids, sorted, and the
// controller's id (-1 if none).
func registrations(ctx context.Context, z *coordinator.ZK) ([]int32, int32, error) {
	brokers, err := z.Brokers(ctx)
	if err != nil {
		return nil, -1, err
	}
	var ids []int32
	for _, b := range brokers {
		ids = append(ids, b.ID)
	}
	controller, ok, err := z.ControllerID(ctx)
	if err != nil || !ok {
		return ids, -1, err
	}
	return ids, controller, nil
}
