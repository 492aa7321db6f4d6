package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// profileEnv names a directory: when set, the broker writes a CPU profile
// of its whole run there (cpu-broker<id>-<pid>.pprof, `go tool pprof`),
// finished on a clean shutdown. It is for measuring, as in the
// benchmarks of docs/benchmarks.md; Kafka has no such switch.
const profileEnv = "SAMSA_CPU_PROFILE_DIR"

// startCPUProfile starts the profile if profileEnv is set and returns the
// function that ends it.
func startCPUProfile(brokerID int32) (func(), error) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	name := filepath.Join(dir, fmt.Sprintf("cpu-broker%d-%d.pprof", brokerID, os.Getpid()))
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
