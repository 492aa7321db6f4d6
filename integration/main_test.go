// Package integration holds black-box tests: a real ZooKeeper ensemble, real
// Samsa broker processes built from this tree, real clients (franz-go, kcat)
// and Apache Kafka's own Java tools.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-broker/samsa/integration/harness"
)

var ensemble *harness.Ensemble

func TestMain(m *testing.M) {
	os.Exit(harness.RunWithEnsemble(m, 3, &ensemble))
}

// toolRun is the outcome of one run of a Samsa tool.
type toolRun = harness.ToolRun

// samsaTool runs one of Samsa's tools (kafka-topics, ...) to completion.
func samsaTool(t *testing.T, stdin string, name string, args ...string) toolRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Bin(t, name), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = strings.NewReader(stdin)
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		code = ee.ExitCode()
	}
	return toolRun{Stdout: out.String(), Stderr: errb.String(), ExitCode: code}
}

// zkClient is a raw ZooKeeper connection for reading what brokers and tools
// wrote, byte for byte, under one test's chroot.
type zkClient struct {
	t      *testing.T
	conn   *zk.Conn
	chroot string
}

func dialZK(t *testing.T, servers []string, chroot string) *zkClient {
	t.Helper()
	conn, _, err := zk.Connect(servers, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return &zkClient{t: t, conn: conn, chroot: chroot}
}

func (c *zkClient) get(p string) ([]byte, *zk.Stat, error) {
	return c.conn.Get(path.Join(c.chroot, p))
}

func (c *zkClient) mustGet(p string) ([]byte, *zk.Stat) {
	c.t.Helper()
	b, st, err := c.get(p)
	if err != nil {
		c.t.Fatalf("get %s: %v", p, err)
	}
	return b, st
}

func (c *zkClient) exists(p string) bool {
	c.t.Helper()
	ok, _, err := c.conn.Exists(path.Join(c.chroot, p))
	if err != nil {
		c.t.Fatalf("exists %s: %v", p, err)
	}
	return ok
}

func (c *zkClient) children(p string) []string {
	c.t.Helper()
	ch, _, err := c.conn.Children(path.Join(c.chroot, p))
	if err != nil {
		c.t.Fatalf("children %s: %v", p, err)
	}
	return ch
}

func (c *zkClient) jsonMap(p string) map[string]any {
	c.t.Helper()
	b, _ := c.mustGet(p)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s: not JSON: %v: %q", p, err, b)
	}
	return m
}

// eventually retries f until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
