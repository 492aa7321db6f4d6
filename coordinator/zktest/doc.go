// Package zktest starts a real, standalone Apache ZooKeeper server for tests.
//
// One JVM is started per test binary (lazily, by the first Start) and every
// Start hands out its own chroot, /t-<random>, so tests in a package never see
// each other's znodes. The server listens on a loopback address picked from
// 127.0.0.40-127.0.0.60 and a free port, so it never collides with a
// development cluster on the standard ports.
//
// Use it with a TestMain so the JVM is stopped when the tests end:
//
//	func TestMain(m *testing.M) { zktest.Main(m) }
//
//	func TestX(t *testing.T) {
//		srv := zktest.Start(t)
//		z, err := coordinator.Dial(ctx, srv.Connect, 6*time.Second, nil)
//		...
//	}
//
// ZooKeeper comes from Debian's zookeeper package (ZooKeeper 3.8 and Java).
// When java or the jars are missing the test fails and says so: the tests of
// the coordinator are meaningless without a real ZooKeeper.
package zktest
