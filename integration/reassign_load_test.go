package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestReassignmentUnderLoad moves every replica of broker 1 to a new broker
// 4 with kafka-reassign-partitions (--zookeeper, with a throttle, as an
// operator does) while an idempotent acks=all producer and a consumer run:
// the data is copied to broker 4, leadership leaves broker 1, and every
// acknowledged record is in the log exactly once, in order, at the offset
// it was acknowledged at.
func TestReassignmentUnderLoad(t *testing.T) {
	runReplScenario(t, func(t *testing.T, c *cluster) {
		c.brokers = append(c.brokers, harness.StartBroker(t, harness.BrokerOpts{ID: 4, ZK: c.connect, Props: replProps}))
		c.waitRegistered(4)

		// Replace broker 1 by broker 4 in every partition, keeping the order.
		data, _ := c.zk.mustGet("/brokers/topics/" + replTopic)
		var assignment struct {
			Partitions map[string][]int `json:"partitions"`
		}
		if err := json.Unmarshal(data, &assignment); err != nil {
			t.Fatal(err)
		}
		type move struct {
			Topic     string `json:"topic"`
			Partition int    `json:"partition"`
			Replicas  []int  `json:"replicas"`
		}
		plan := struct {
			Version    int    `json:"version"`
			Partitions []move `json:"partitions"`
		}{Version: 1}
		for p := 0; p < replPartitions; p++ {
			var target []int
			for _, r := range assignment.Partitions[fmt.Sprint(p)] {
				if r == 1 {
					r = 4
				}
				target = append(target, r)
			}
			plan.Partitions = append(plan.Partitions, move{replTopic, p, target})
		}
		b, _ := json.Marshal(plan)
		file := filepath.Join(t.TempDir(), "reassign.json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		run := samsaTool(t, "", "kafka-reassign-partitions", "--zookeeper", c.connect,
			"--reassignment-json-file", file, "--execute", "--throttle", "50000000")
		if run.ExitCode != 0 || !strings.Contains(run.Stdout, "Successfully started reassignment of partitions.") {
			t.Fatalf("--execute: %+v", run)
		}
		eventually(t, 90*time.Second, "the reassignment to complete", func() error {
			run := samsaTool(t, "", "kafka-reassign-partitions", "--zookeeper", c.connect,
				"--reassignment-json-file", file, "--verify")
			if run.ExitCode != 0 || strings.Contains(run.Stdout, "in progress") || !strings.Contains(run.Stdout, "Throttle was removed.") {
				return fmt.Errorf("--verify: %s%s", run.Stdout, run.Stderr)
			}
			return nil
		})
		// Broker 1 holds no replica any more: no leadership, no ISR seat.
		for p := 0; p < replPartitions; p++ {
			leader, isr, err := c.partitionState(p)
			if err != nil || leader == 1 || containsInt(isr, 1) || !containsInt(isr, 4) {
				t.Errorf("partition %d after the move: leader %d, isr %v (%v)", p, leader, isr, err)
			}
		}
	}, false)
}
