package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set by the Makefile (-X main.version=...).
var version = "dev"

// options are the flags every subcommand accepts.
type options struct {
	cluster string        // topology file
	run     string        // run directory
	bin     string        // directory of the kafka-*.sh scripts
	outDir  string        // --out: dist-config's target, or another name for --run
	timeout time.Duration // bound of the waiting commands
	stdout  io.Writer
}

type command struct {
	name, help string
	run        func(ctx context.Context, o options) error
}

func commands() []command {
	return []command{
		{"render", "write zoo.cfg, myid and server.properties for every node", render},
		{"zk-start", "start every ZooKeeper node that is not running", zkStart},
		{"zk-stop", "stop the ZooKeeper nodes zk-start started", zkStop},
		{"zk-status", "ask every ZooKeeper node its mode (srvr)", zkStatus},
		{"broker-start", "wait for a ZooKeeper leader, then start every broker that is not running", brokerStart},
		{"broker-stop", "stop the brokers broker-start started (SIGTERM, clean shutdown)", brokerStop},
		{"wait-cluster", "wait for a ZooKeeper leader, every broker registered and a controller", waitCluster},
		{"status", "show ZooKeeper modes, broker processes and registrations", status},
		{"next", "print the tutorial's commands with this cluster's addresses", next},
		{"dist-config", "write the release's config/server.properties and zookeeper.properties into --out", distConfig},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, version)
		return 0
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "samsa-deploy: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}

	fs := flag.NewFlagSet("samsa-deploy "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{stdout: stdout}
	fs.StringVar(&o.cluster, "cluster", "deploy/cluster.toml", "cluster topology file")
	fs.StringVar(&o.run, "run", "", "run directory: configuration, data and logs of every node (default: the cluster file's run_dir)")
	fs.StringVar(&o.outDir, "out", "", "dist-config: the directory to write; other commands: same as --run")
	fs.StringVar(&o.bin, "bin", "bin", "directory holding kafka-server-start.sh")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long the waiting commands wait")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if o.outDir != "" && cmd.name != "dist-config" {
		o.run = o.outDir
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "samsa-deploy %s: unexpected arguments %q\n", cmd.name, fs.Args())
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, o); err != nil {
		fmt.Fprintf(stderr, "samsa-deploy %s: %v\n", cmd.name, err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: samsa-deploy COMMAND [--cluster deploy/cluster.toml] [--run DIR] [--bin bin] [--timeout 3m]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.help)
	}
}
