package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/coordinator/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// Without a controller the election znode stays, so a second run meets it.
func TestZooKeeperElection(t *testing.T) {
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	z, err := coordinator.Dial(ctx, srv.Connect, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if err := z.CreateTopic(ctx, "t", map[int32][]int32{0: {1}, 1: {1}}, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(file, []byte(`{"partitions":[{"topic":"t","partition":1},{"topic":"x","partition":0},{"topic":"t","partition":0}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const head = deprecated + "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n" +
		"Use --bootstrap-server instead to specify a broker to connect to.\n"
	tests := []struct {
		wantOut, wantErr string
		wantCode         int
	}{
		{head + "Created preferred replica election path with t-1,t-0\n" +
			"Successfully started preferred replica election for partitions Set(t-1, t-0)\n" +
			"Skipping preferred replica leader election for partition x-0 since it doesn't exist.\n", "", 0},
		{head, "Exception in thread \"main\" kafka.common.AdminCommandFailedException: Admin command failed\n" +
			"Caused by: kafka.admin.AdminOperationException: Preferred replica leader election currently in progress for t-1,t-0. Aborting operation\n", 1},
	}
	for i, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"--zookeeper", srv.Connect, "--path-to-json-file", file}, &out, &errb)
		if code != tt.wantCode || out.String() != tt.wantOut || errb.String() != tt.wantErr {
			t.Errorf("run %d: exit %d\n%s%s\nwant exit %d\n%s%s", i, code, out.String(), errb.String(), tt.wantCode, tt.wantOut, tt.wantErr)
		}
	}
	pending, err := z.PendingPreferredReplicaElection(ctx)
	if err != nil || len(pending) != 2 {
		t.Errorf("znode lists %v, %v", pending, err)
	}
}
