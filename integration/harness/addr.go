package harness

import (
	"fmt"
	"net"
	"strconv"
)

// Loopback hosts the harness uses: ZooKeeper node i on ensembleHost(i),
// brokers on brokerHost(id). make run owns 127.0.0.11-13.
func ensembleHost(i int) string  { return fmt.Sprintf("127.0.0.%d", 21+i%9) }
func brokerHost(id int32) string { return fmt.Sprintf("127.0.0.%d", 30+id%10) }

// freePort asks the kernel for a free TCP port on host. The port is free when
// this returns; another process could take it before it is used, which
// startup then reports.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("harness: no free port on %s: %w", host, err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("harness: %w", err)
	}
	return strconv.Atoi(port)
}

// freePorts returns n distinct free ports on host. The listeners are held
// until all are chosen so the kernel cannot hand out the same port twice.
func freePorts(host string, n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("harness: no free port on %s: %w", host, err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
