package harness

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Bin returns the path of the Samsa binary name (kafka-server-start,
// kafka-topics, ...).
//
// With SAMSA_BIN_DIR set (the Makefile sets it to build/bin after building)
// the binary must be there. Otherwise it is built from ./cmd/<name> into a
// cache directory outside the tree. Go's build cache makes a rebuild of an
// unchanged binary cheap, and building each time means a test never runs a
// stale binary. The new binary is renamed into place, so a binary that
// another test process is running is never overwritten.
func Bin(t testing.TB, name string) string {
	t.Helper()
	if dir := os.Getenv("SAMSA_BIN_DIR"); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("harness: %s not found in SAMSA_BIN_DIR=%s: run `make build` (or unset SAMSA_BIN_DIR to let the test build it): %v", name, dir, err)
		}
		return p
	}
	p, err := buildBin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func buildBin(name string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", name)); err != nil {
		return "", fmt.Errorf("harness: there is no ./cmd/%s to build: %w", name, err)
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "samsa-test-bin-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("harness: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+name+"-"+hex.EncodeToString(rnd[:]))
	cmd := exec.Command(goTool(), "build", "-o", tmp, "./cmd/"+name)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("harness: go build ./cmd/%s: %w\n%s", name, err, out)
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("harness: %w", err)
	}
	return final, nil
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// ModuleRoot returns the directory of Samsa's go.mod, found upwards from the
// working directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("harness: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: no go.mod above the working directory")
		}
		dir = parent
	}
}
