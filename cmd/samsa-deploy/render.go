package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// render writes every node's zoo.cfg, myid and server.properties. Only
// configuration is rewritten: data directories are created if missing and
// otherwise left alone, so a rendered cluster restarts on its data.
func render(ctx context.Context, o options) error {
	c, err := loadCluster(o)
	if err != nil {
		return err
	}
	for _, n := range nodesOf(c) {
		dirs := append([]string{n.configDir(), n.zkDataDir, n.logDir()}, n.logDirs...)
		for _, d := range dirs {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		files := []struct{ path, content string }{
			{n.zooCfgPath(), c.ZooCfg(n.Node)},
			{n.myidPath(), c.Myid(n.Node)},
			{n.serverPropertiesPath(), c.ServerProperties(n.Node)},
		}
		for _, f := range files {
			if err := writeFileAtomic(f.path, f.content); err != nil {
				return err
			}
		}
		fmt.Fprintf(o.stdout, "%s: wrote %s, %s, %s\n", n.Name, rel(n.zooCfgPath()), rel(n.myidPath()), rel(n.serverPropertiesPath()))
	}
	return nil
}

// writeFileAtomic replaces path with content through a rename, so a running
// process never reads a half-written file.
func writeFileAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// rel shortens path relative to the working directory, for messages.
func rel(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(wd, path); err == nil && !filepath.IsAbs(r) && len(r) < len(path) {
		return r
	}
	return path
}
