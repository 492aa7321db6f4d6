package harness

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestEnsembleSurvivesNodeLoss starts a real three-node ensemble, then loses
// one node at a time (a follower, then the leader) and checks after each loss
// that the remaining quorum elects a leader and accepts writes, and that a
// restarted node rejoins.
func TestEnsembleSurvivesNodeLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper JVMs")
	}
	e := StartEnsemble(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	steps := []struct {
		name string
		pick string // mode of the node to kill
	}{
		{"kill a follower", "follower"},
		{"kill the leader", "leader"},
	}
	root := Chroot(t)
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			victim := nodeInMode(ctx, t, e, step.pick)
			e.Kill(victim)
			if err := e.WaitLeader(ctx); err != nil {
				t.Fatalf("after killing node %d: %v", victim, err)
			}
			writeZnode(ctx, t, e.Servers(), fmt.Sprintf("%s-%d", root, i))
			if err := e.Start(ctx, victim); err != nil {
				t.Fatalf("restart node %d: %v", victim, err)
			}
			if err := e.WaitLeader(ctx); err != nil {
				t.Fatalf("after restarting node %d: %v", victim, err)
			}
		})
	}
}

func nodeInMode(ctx context.Context, t *testing.T, e *Ensemble, want string) int {
	t.Helper()
	for i := range e.Servers() {
		mode, err := e.Mode(ctx, i)
		if err == nil && mode == want {
			return i
		}
	}
	t.Fatalf("no node is %s", want)
	return -1
}

// writeZnode creates a znode through the whole connect string and reads it back.
func writeZnode(ctx context.Context, t *testing.T, servers []string, path string) {
	t.Helper()
	conn, events, err := zk.Connect(servers, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for ev := range events {
		if ev.State == zk.StateHasSession {
			break
		}
		if ctx.Err() != nil {
			t.Fatal(ctx.Err())
		}
	}
	for {
		_, err = conn.Create(path, []byte("ok"), 0, zk.WorldACL(zk.PermAll))
		if err == nil || errors.Is(err, zk.ErrNodeExists) {
			break
		}
		if sleepCtx(ctx, 200*time.Millisecond) != nil {
			t.Fatalf("create %s: %v", path, err)
		}
	}
	data, _, err := conn.Get(path)
	if err != nil || string(data) != "ok" {
		t.Fatalf("get %s = %q, %v; want \"ok\"", path, data, err)
	}
}
