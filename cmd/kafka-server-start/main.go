// Command kafka-server-start runs one Samsa broker, as Kafka's
// kafka-server-start.sh runs kafka.Kafka:
//
//	kafka-server-start server.properties [--override property=value]*
//
// The -daemon flag is handled by bin/kafka-run-class.sh, which detaches the
// process. Logs go to standard output and, when LOG_DIR is set (the bin
// scripts set it), to $LOG_DIR/server.log, in Kafka's log4j layout.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-broker/samsa/cmd/internal/logfmt"
)

const usage = "USAGE: kafka-server-start [-daemon] server.properties [--override property=value]*"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "-daemon" {
		// kafka-run-class.sh consumed it already when run through bin/; accept it
		// here too so the binary can be called directly with Kafka's arguments.
		args = args[1:]
	}
	if len(args) < 1 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(stderr, usage)
		return 1
	}
	overrides, err := overrideArgs(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, usage)
		return 1
	}

	out, closeOut := logOutput(stdout, stderr)
	defer closeOut()
	logger := logfmt.NewLogger(out, logrus.InfoLevel)

	cfg, props, warnings, err := loadConfig(args[0], overrides)
	if err != nil {
		// Kafka logs the bad configuration as FATAL and exits 1; the message
		// names file, line, key and value.
		logger.WithField(logfmt.LoggerField, "kafka.Kafka$").Errorf("Exiting Kafka due to fatal exception: %v", err)
		return 1
	}
	for _, w := range warnings {
		logger.WithField(logfmt.LoggerField, "kafka.server.KafkaConfig").Warn(w.String())
	}

	endProfile, err := startCPUProfile(cfg.BrokerID)
	if err != nil {
		logger.WithField(logfmt.LoggerField, "kafka.Kafka$").Errorf("Exiting Kafka due to fatal exception: %v", err)
		return 1
	}
	defer endProfile()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve(ctx, cfg, props, logger); err != nil {
		prefix := fmt.Sprintf("KafkaServer id=%d", cfg.BrokerID)
		if errors.As(err, new(beforeBrokerID)) {
			prefix = ""
		}
		logger.WithFields(logrus.Fields{logfmt.PrefixField: prefix, logfmt.LoggerField: "kafka.server.KafkaServer"}).
			Errorf("Fatal error during KafkaServer startup. Prepare to shutdown: %v", err)
		// KafkaServerStartable's last word before exit status 1 (its fatal()
		// comes out as ERROR through Kafka's log4j binding).
		logger.WithField(logfmt.LoggerField, "kafka.server.KafkaServerStartable").Error("Exiting Kafka.")
		return 1
	}
	return 0
}

// overrideArgs turns Kafka's "--override k=v" pairs into "k=v" strings.
func overrideArgs(args []string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a != "--override" {
			return nil, fmt.Errorf("Found non argument parameters: %s", a)
		}
		if i+1 >= len(args) {
			return nil, errors.New("Option override requires an argument")
		}
		out = append(out, args[i+1])
		i++
	}
	return out, nil
}

// logOutput writes to standard output and, like Kafka's kafkaAppender, to
// $LOG_DIR/server.log when LOG_DIR is set.
func logOutput(stdout, stderr io.Writer) (io.Writer, func()) {
	dir := os.Getenv("LOG_DIR")
	if dir == "" {
		return stdout, func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "cannot create LOG_DIR %s: %v\n", dir, err)
		return stdout, func() {}
	}
	f, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "cannot open server.log: %v\n", err)
		return stdout, func() {}
	}
	return io.MultiWriter(stdout, f), func() { f.Close() }
}

// shutdownTimeout bounds a clean shutdown: controlled shutdown retries
// (3 x 5 s by default) plus flushing the logs.
const shutdownTimeout = 2 * time.Minute
