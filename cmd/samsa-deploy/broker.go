package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// brokerStopGrace bounds a broker's clean shutdown (controlled shutdown
// moves its leaderships away first) before it is killed.
const brokerStopGrace = 2 * time.Minute

// brokerMatcher recognises a broker by its program name and its
// server.properties, whatever directory the binary was run from.
func brokerMatcher(n node) matcher {
	return func(args []string) bool {
		return len(args) > 0 && filepath.Base(args[0]) == "kafka-server-start" && containsAll(n.serverPropertiesPath())(args)
	}
}

func brokerStart(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	script, err := filepath.Abs(filepath.Join(o.bin, "kafka-server-start.sh"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("%w (use --bin to name the directory of kafka-server-start.sh)", err)
	}
	// A broker that cannot reach ZooKeeper within zookeeper.connection.timeout.ms
	// gives up, as Kafka's does: let the ensemble elect its leader first.
	if err := waitEnsemble(ctx, o, nodes); err != nil {
		return err
	}
	for _, n := range nodes {
		if _, err := os.Stat(n.serverPropertiesPath()); err != nil {
			return fmt.Errorf("%s: %w (run samsa-deploy render first)", n.Name, err)
		}
		pid, err := livePid(n.brokerPidPath(), brokerMatcher(n))
		if err != nil {
			return err
		}
		if pid != 0 {
			fmt.Fprintf(o.stdout, "%s: broker %d already running (pid %d)\n", n.Name, n.BrokerID, pid)
			continue
		}
		for _, dir := range n.logDirs {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		// The script detaches the broker itself (-daemon) and, asked by
		// SAMSA_PID_FILE, says which pid it got.
		os.Remove(n.brokerPidPath())
		env := []string{"LOG_DIR=" + n.logDir(), "SAMSA_PID_FILE=" + n.brokerPidPath()}
		scriptPid, err := startDetached([]string{script, "-daemon", n.serverPropertiesPath()}, env, n.startOutPath())
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		pid, err = waitPidFile(ctx, n.brokerPidPath(), scriptPid)
		if err != nil {
			return fmt.Errorf("%s: %w; see %s", n.Name, err, n.startOutPath())
		}
		fmt.Fprintf(o.stdout, "%s: broker %d started on %s (pid %d, logs in %s)\n", n.Name, n.BrokerID, n.brokerAddr, pid, n.logDir())
	}
	return nil
}

// waitPidFile waits for the start script (scriptPid) to write the broker's pid.
func waitPidFile(ctx context.Context, path string, scriptPid int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if pid, err := readPid(path); err == nil && pid != 0 {
			return pid, nil
		}
		if !alive(scriptPid) {
			// The script may have written the file just before exiting.
			if pid, err := readPid(path); err == nil && pid != 0 {
				return pid, nil
			}
			return 0, errors.New("kafka-server-start.sh exited without starting a broker")
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return 0, fmt.Errorf("kafka-server-start.sh wrote no pid file: %w", err)
		}
	}
}

func brokerStop(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	// All brokers are asked at once, as kafka-server-stop.sh does; each one's
	// controlled shutdown then proceeds in parallel.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, n := range nodes {
		pid, err := livePid(n.brokerPidPath(), brokerMatcher(n))
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			continue
		}
		if pid == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			killed, err := terminate(ctx, pid, brokerStopGrace)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
			case killed:
				fmt.Fprintf(o.stdout, "%s: broker %d (pid %d) did not stop within %v and was killed\n", n.Name, n.BrokerID, pid, brokerStopGrace)
			default:
				fmt.Fprintf(o.stdout, "%s: broker %d stopped (pid %d)\n", n.Name, n.BrokerID, pid)
			}
			if err == nil {
				os.Remove(n.brokerPidPath())
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
