package broker

import (
	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// The concrete types cmd wires must satisfy the narrow interfaces.
var (
	_ Node         = (*coordinator.Node)(nil)
	_ Admin        = (*coordinator.ZK)(nil)
	_ Transport    = (*protocol.Pool)(nil)
	_ Records      = storage.ReadResult{}
	_ PartitionLog = storageLog{}
)
