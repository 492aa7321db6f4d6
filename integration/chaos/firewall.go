package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// chainPrefix names the iptables chains of fault runs; the test process's
// pid completes the name, so two runs on one machine never share rules, and
// the chain of a run that died without cleaning up can be recognised.
const chainPrefix = "SAMSA-CHAOS-"

// Firewall cuts loopback links with iptables. Every loopback connection
// leaves from 127.0.0.1, so a source address cannot tell processes apart;
// instead each process runs under a uid of its own and a rule drops the
// packets that uid sends to one destination address ("-m owner
// --uid-owner U -d IP -j DROP" in OUTPUT, where locally generated packets
// on lo pass). Dropping both directions of a pair cuts the link whoever
// opened the connection. All rules live in one chain, which OUTPUT jumps
// to, so healing flushes the chain and Close removes every trace.
type Firewall struct {
	chain string
}

// NewFirewall creates the run's chain and the jump to it, after removing
// chains left behind by runs whose process no longer exists. It fails when
// iptables is missing or refuses (no root, no NET_ADMIN, no owner match),
// and the caller then skips the partitions.
func NewFirewall(ctx context.Context) (*Firewall, error) {
	if _, err := exec.LookPath("iptables"); err != nil {
		return nil, fmt.Errorf("chaos: iptables: %w", err)
	}
	removeStaleChains(ctx)
	f := &Firewall{chain: chainPrefix + strconv.Itoa(os.Getpid())}
	if err := iptables(ctx, "-N", f.chain); err != nil {
		return nil, err
	}
	if err := iptables(ctx, "-I", "OUTPUT", "-j", f.chain); err != nil {
		_ = iptables(ctx, "-X", f.chain)
		return nil, err
	}
	// A rule with the owner match proves the kernel has it before a run
	// relies on it; uid 0 never reaches 127.0.0.0 (a network address), so
	// the rule matches nothing.
	if err := f.Drop(ctx, 0, "127.0.0.0"); err != nil {
		_ = f.Close(ctx)
		return nil, err
	}
	if err := f.Heal(ctx); err != nil {
		_ = f.Close(ctx)
		return nil, err
	}
	return f, nil
}

// Drop drops every packet that processes of uid send to the address dst.
func (f *Firewall) Drop(ctx context.Context, uid uint32, dst string) error {
	return iptables(ctx, "-A", f.chain, "-m", "owner", "--uid-owner", strconv.FormatUint(uint64(uid), 10), "-d", dst, "-j", "DROP")
}

// Cut drops the packets of a to b's address and of b to a's: a link cut
// both ways.
func (f *Firewall) Cut(ctx context.Context, a, b Node) error {
	return errors.Join(f.Drop(ctx, a.UID, b.Host), f.Drop(ctx, b.UID, a.Host))
}

// Heal removes every rule: all links work again.
func (f *Firewall) Heal(ctx context.Context) error {
	return iptables(ctx, "-F", f.chain)
}

// Rules returns the chain's rules as iptables -S prints them, for the log.
func (f *Firewall) Rules(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "iptables", "-S", f.chain).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("chaos: iptables -S %s: %w: %s", f.chain, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Close removes the jump and the chain. It is safe to call twice.
func (f *Firewall) Close(ctx context.Context) error {
	return removeChain(ctx, f.chain)
}

func removeChain(ctx context.Context, chain string) error {
	// Remove every jump (a failed earlier removal could leave two).
	for iptables(ctx, "-D", "OUTPUT", "-j", chain) == nil {
	}
	_ = iptables(ctx, "-F", chain)
	err := iptables(ctx, "-X", chain)
	if err != nil && !chainExists(ctx, chain) {
		return nil
	}
	return err
}

func chainExists(ctx context.Context, chain string) bool {
	return exec.CommandContext(ctx, "iptables", "-S", chain).Run() == nil
}

var chainName = regexp.MustCompile(`^-N (` + chainPrefix + `(\d+))$`)

// removeStaleChains removes the chains of runs whose process is gone: a
// run killed by go test's timeout runs no cleanup.
func removeStaleChains(ctx context.Context) {
	out, err := exec.CommandContext(ctx, "iptables", "-S").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		m := chainName.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[2])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = removeChain(ctx, m[1])
	}
}

func iptables(ctx context.Context, args ...string) error {
	// -w waits for the xtables lock that another iptables may hold.
	out, err := exec.CommandContext(ctx, "iptables", append([]string{"-w"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chaos: iptables %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
