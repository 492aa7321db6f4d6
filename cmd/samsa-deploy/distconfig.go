package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/samsa-broker/samsa/conf"
)

// zookeeperProperties is the release's config/zookeeper.properties: a
// single-node ZooKeeper for trying Samsa on one host, as Kafka ships one.
// The admin server is off because its port 8080 is often taken.
const zookeeperProperties = `# A single ZooKeeper server for trying Samsa on one host.
# For an ensemble of three, see the multi-host guide.
# the directory where the snapshot is stored.
dataDir=/tmp/zookeeper
# the port at which the clients will connect
clientPort=2181
# disable the per-ip limit on the number of connections since this is a non-production config
maxClientCnxns=0
# Disable the adminserver by default to avoid port conflicts.
admin.enableServer=false
`

// distConfig writes the release tarball's config directory.
func distConfig(ctx context.Context, o options) error {
	dir := o.outDir
	if dir == "" {
		return fmt.Errorf("--out DIR is required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct{ name, content string }{
		{"server.properties", conf.DistServerProperties()},
		{"zookeeper.properties", zookeeperProperties},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.content), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "wrote %s\n", filepath.Join(dir, f.name))
	}
	return nil
}
