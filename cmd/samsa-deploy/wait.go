package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/samsa-broker/samsa/conf"
)

// waitCluster waits until the ensemble has a leader, every broker of the
// topology is registered under /brokers/ids and a controller is elected.
func waitCluster(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	if err := waitEnsemble(ctx, o, nodes); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	z, err := dialZK(ctx, nodes[0].zkConnect)
	if err != nil {
		return err
	}
	defer z.close()

	want := brokerIDs(nodes)
	reported := ""
	for {
		ids, controller, err := z.registrations()
		if err == nil && slices.Equal(ids, want) && controller != "" {
			fmt.Fprintf(o.stdout, "Brokers %s registered; controller: %s\n", joinIDs(ids), controller)
			return nil
		}
		note := fmt.Sprintf("registered brokers [%s] of [%s], controller %q", joinIDs(ids), joinIDs(want), controller)
		if err != nil {
			note = err.Error()
		}
		if note != reported {
			fmt.Fprintf(o.stdout, "waiting: %s\n", note)
			reported = note
		}
		if err := brokersAlive(nodes); err != nil {
			return err
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return fmt.Errorf("cluster not formed after %v (%s): %w", o.timeout, note, err)
		}
	}
}

// brokersAlive fails when a broker that broker-start started has exited.
func brokersAlive(nodes []node) error {
	for _, n := range nodes {
		pid, _ := readPid(n.brokerPidPath())
		if pid != 0 && !alive(pid) {
			out := n.brokerConsolePath()
			return fmt.Errorf("%s: broker %d (pid %d) exited; last lines of %s:\n%s", n.Name, n.BrokerID, pid, out, tail(out, 30))
		}
	}
	return nil
}

func brokerIDs(nodes []node) []int32 {
	var ids []int32
	for _, n := range nodes {
		ids = append(ids, n.BrokerID)
	}
	slices.Sort(ids)
	return ids
}

func joinIDs(ids []int32) string {
	var s []string
	for _, id := range ids {
		s = append(s, fmt.Sprint(id))
	}
	return strings.Join(s, ", ")
}

// zkClient is a go-zookeeper session under the brokers' chroot.
type zkClient struct {
	conn   *zk.Conn
	chroot string
}

// dialZK connects to zookeeper.connect (with its chroot, which go-zookeeper
// does not handle itself) and waits for a session.
func dialZK(ctx context.Context, connect string) (*zkClient, error) {
	zc, err := conf.ParseZooKeeperConnect(connect)
	if err != nil {
		return nil, fmt.Errorf("zookeeper.connect: %w", err)
	}
	conn, events, err := zk.Connect(zc.Servers, 10*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return nil, fmt.Errorf("connect to ZooKeeper %s: %w", connect, err)
	}
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return &zkClient{conn: conn, chroot: zc.Chroot}, nil
			}
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("no ZooKeeper session with %s: %w", connect, ctx.Err())
		}
	}
}

func (c *zkClient) close() { c.conn.Close() }

// registrations returns the ids under /brokers/ids (sorted) and the
// content of /controller ("" if there is no controller).
func (c *zkClient) registrations() ([]int32, string, error) {
	children, _, err := c.conn.Children(c.chroot + "/brokers/ids")
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, "", fmt.Errorf("list /brokers/ids: %w", err)
	}
	var ids []int32
	for _, child := range children {
		if id, err := strconv.ParseInt(child, 10, 32); err == nil {
			ids = append(ids, int32(id))
		}
	}
	slices.Sort(ids)
	data, _, err := c.conn.Get(c.chroot + "/controller")
	if errors.Is(err, zk.ErrNoNode) {
		return ids, "", nil
	}
	if err != nil {
		return ids, "", fmt.Errorf("read /controller: %w", err)
	}
	return ids, string(data), nil
}

// status shows the ensemble, the broker processes and their registrations.
func status(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	zkErr := zkStatus(ctx, o)
	for _, n := range nodes {
		pid, err := livePid(n.brokerPidPath(), brokerMatcher(n))
		switch {
		case err != nil:
			fmt.Fprintf(o.stdout, "%s: broker %d: %v\n", n.Name, n.BrokerID, err)
		case pid == 0:
			fmt.Fprintf(o.stdout, "%s: broker %d not running\n", n.Name, n.BrokerID)
		default:
			fmt.Fprintf(o.stdout, "%s: broker %d running on %s (pid %d)\n", n.Name, n.BrokerID, n.brokerAddr, pid)
		}
	}
	if zkErr != nil {
		return zkErr
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	z, err := dialZK(ctx, nodes[0].zkConnect)
	if err != nil {
		return err
	}
	defer z.close()
	ids, controller, err := z.registrations()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "/brokers/ids: [%s]\n/controller: %s\n", joinIDs(ids), controller)
	return nil
}
