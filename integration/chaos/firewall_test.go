package chaos

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFirewall cuts a link with a real iptables chain and checks, by
// connecting as processes of different uids, that exactly the packets of
// the cut uid to the cut address are dropped, that Heal restores the link,
// and that Close leaves no chain behind.
func TestFirewall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("iptables needs root")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash for /dev/tcp")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fw, err := NewFirewall(ctx)
	if err != nil {
		t.Skipf("iptables refuses: %v", err)
	}
	t.Cleanup(func() { _ = fw.Close(context.Background()) })

	const cutUID, otherUID = 64991, 64992
	open := listen(t, "127.0.0.39")
	other := listen(t, "127.0.0.38")
	if err := fw.Cut(ctx, Node{UID: cutUID, Host: "127.0.0.29"}, Node{UID: otherUID, Host: open.host}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		uid  uint32
		to   endpoint
		heal bool
		want bool
	}{
		{"cut uid to cut address", cutUID, open, false, false},
		{"cut uid to another address", cutUID, other, false, true},
		{"another uid to cut address", 64993, open, false, true},
		{"test's own uid to cut address", 0, open, false, true},
		{"cut uid after heal", cutUID, open, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.heal {
				if err := fw.Heal(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := connectAs(t, tt.uid, tt.to); got != tt.want {
				t.Errorf("connect as uid %d to %s:%s = %v, want %v", tt.uid, tt.to.host, tt.to.port, got, tt.want)
			}
		})
	}
	if err := fw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("iptables", "-S").Output()
	if strings.Contains(string(out), fw.chain) {
		t.Errorf("chain %s still present after Close:\n%s", fw.chain, out)
	}
}

type endpoint struct{ host, port string }

func listen(t *testing.T, host string) endpoint {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return endpoint{host, port}
}

// connectAs reports whether a process running as uid connects to e within
// two seconds; a dropped SYN makes it wait out the limit.
func connectAs(t *testing.T, uid uint32, e endpoint) bool {
	t.Helper()
	cmd := exec.Command("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/"+e.host+"/"+e.port)
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	}
	return cmd.Run() == nil
}
