package broker

import (
	"github.com/samsa-broker/samsa/storage"
)

// StorageLogs adapts *storage.Manager to Logs. It only converts return
// types (*storage.Log to PartitionLog, storage.ReadResult to Records).
func StorageLogs(m *storage.Manager) Logs { return managerLogs{m} }

type managerLogs struct{ *storage.Manager }

func (m managerLogs) GetOrCreate(tp storage.TopicPartition, cfg storage.LogConfig) (PartitionLog, error) {
	l, err := m.Manager.GetOrCreate(tp, cfg)
	if err != nil {
		return nil, err
	}
	return storageLog{l}, nil
}

func (m managerLogs) Get(tp storage.TopicPartition) (PartitionLog, bool) {
	l, ok := m.Manager.Get(tp)
	if !ok {
		return nil, false
	}
	return storageLog{l}, true
}

type storageLog struct{ *storage.Log }

func (l storageLog) Read(offset, maxOffset int64, maxBytes int32, minOneBatch bool) (Records, error) {
	r, err := l.Log.Read(offset, maxOffset, maxBytes, minOneBatch)
	if err != nil {
		return nil, err
	}
	return r, nil
}
