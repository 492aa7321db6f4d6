package broker

import (
	"context"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"
)

const apiVersionsKey = 18

// handlerFunc handles one request. Problems of the request (unknown topic,
// not leader, corrupt batch) are error codes in the response; a returned
// error closes the connection. A nil response sends nothing (acks=0).
type handlerFunc func(ctx context.Context, c *conn, req kmsg.Request) (kmsg.Response, error)

// api is one row of the dispatch table.
type api struct {
	key      int16
	min, max int16
	handle   handlerFunc
}

// apiTable is the one table of served APIs, sorted by key; ApiVersions
// advertises exactly these rows.
type apiTable []api

// newAPITable is THE dispatch table. The version ranges are Kafka 2.4.1's
// except where a file header says why we serve less.
func (s *Server) newAPITable() apiTable {
	t := apiTable{
		{key: 0, min: 0, max: 8, handle: typed(s.handleProduce)},
		{key: 1, min: 0, max: 11, handle: typed(s.handleFetch)},
		{key: 2, min: 0, max: 5, handle: typed(s.handleListOffsets)},
		{key: 3, min: 0, max: 9, handle: typed(s.handleMetadata)},
		{key: 4, min: 0, max: 4, handle: typed(s.handleLeaderAndISR)},
		{key: 5, min: 0, max: 2, handle: typed(s.handleStopReplica)},
		{key: 6, min: 0, max: 6, handle: typed(s.handleUpdateMetadata)},
		{key: 7, min: 0, max: 3, handle: typed(s.handleControlledShutdown)},
		{key: 8, min: 0, max: 8, handle: typed(s.handleOffsetCommit)},
		{key: 9, min: 0, max: 6, handle: typed(s.handleOffsetFetch)},
		{key: 10, min: 0, max: 3, handle: typed(s.handleFindCoordinator)},
		{key: 11, min: 0, max: 6, handle: typed(s.handleJoinGroup)},
		{key: 12, min: 0, max: 4, handle: typed(s.handleHeartbeat)},
		{key: 13, min: 0, max: 4, handle: typed(s.handleLeaveGroup)},
		{key: 14, min: 0, max: 4, handle: typed(s.handleSyncGroup)},
		{key: 15, min: 0, max: 5, handle: typed(s.handleDescribeGroups)},
		{key: 16, min: 0, max: 3, handle: typed(s.handleListGroups)},
		{key: 18, min: 0, max: 3, handle: typed(s.handleApiVersions)},
		{key: 19, min: 0, max: 5, handle: typed(s.handleCreateTopics)},
		{key: 20, min: 0, max: 4, handle: typed(s.handleDeleteTopics)},
		{key: 21, min: 0, max: 1, handle: typed(s.handleDeleteRecords)},
		{key: 22, min: 0, max: 2, handle: typed(s.handleInitProducerID)},
		{key: 23, min: 0, max: 3, handle: typed(s.handleOffsetForLeaderEpoch)},
		{key: 32, min: 0, max: 2, handle: typed(s.handleDescribeConfigs)},
		{key: 33, min: 0, max: 1, handle: typed(s.handleAlterConfigs)},
		{key: 35, min: 0, max: 1, handle: typed(s.handleDescribeLogDirs)},
		{key: 37, min: 0, max: 1, handle: typed(s.handleCreatePartitions)},
		{key: 42, min: 0, max: 2, handle: typed(s.handleDeleteGroups)},
		{key: 43, min: 0, max: 2, handle: typed(s.handleElectLeaders)},
		{key: 44, min: 0, max: 1, handle: typed(s.handleIncrementalAlterConfigs)},
		{key: 45, min: 0, max: 0, handle: typed(s.handleAlterPartitionAssignments)},
		{key: 46, min: 0, max: 0, handle: typed(s.handleListPartitionReassignments)},
		{key: 47, min: 0, max: 0, handle: typed(s.handleOffsetDelete)},
	}
	sort.Slice(t, func(i, j int) bool { return t[i].key < t[j].key })
	return t
}

// typed adapts a handler of one request type to handlerFunc.
func typed[R kmsg.Request](f func(context.Context, *conn, R) (kmsg.Response, error)) handlerFunc {
	return func(ctx context.Context, c *conn, req kmsg.Request) (kmsg.Response, error) {
		r, ok := req.(R)
		if !ok {
			return nil, fmt.Errorf("broker: request %T does not match its handler", req)
		}
		return f(ctx, c, r)
	}
}

func (t apiTable) lookup(key int16) (api, bool) {
	i := sort.Search(len(t), func(i int) bool { return t[i].key >= key })
	if i < len(t) && t[i].key == key {
		return t[i], true
	}
	return api{}, false
}

// versionsResponse lists the table as ApiVersions answers it.
func (t apiTable) versionsResponse() *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	for _, a := range t {
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = a.key, a.min, a.max
		resp.ApiKeys = append(resp.ApiKeys, k)
	}
	return resp
}
