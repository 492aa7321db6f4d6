package storage_test

import (
	"fmt"
	"time"

	"github.com/samsa-broker/samsa/storage"
)

// A broker opens its log dirs once, creates partition logs as it becomes their replica,
// appends as leader and reads for fetches.
func Example() {
	m, err := storage.OpenManager(storage.ManagerConfig{
		Dirs:    []string{"/data/kafka-logs"},
		Default: storage.DefaultLogConfig(),
		FS:      storage.NewMemFS(), // nil in production: the OS
	}, nil)
	if err != nil {
		panic(err)
	}
	defer m.Close() // flush, checkpoints, .kafka_cleanshutdown

	l, err := m.GetOrCreate(storage.TopicPartition{Topic: "orders", Partition: 0}, storage.DefaultLogConfig())
	if err != nil {
		panic(err)
	}
	var batch []byte // a v2 record batch from a Produce request
	if res, err := l.Append(batch, 0, time.Now()); err == nil {
		fmt.Println("log end offset", res.LogEndOffset)
	}
	r, err := l.Read(0, l.LogEndOffset(), 1<<20, true)
	if err != nil {
		panic(err)
	}
	defer r.Release()
	fmt.Println("fetched bytes", r.Size())
	// Output:
	// log end offset 0
	// fetched bytes 0
}
