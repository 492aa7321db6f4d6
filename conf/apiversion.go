package conf

import "strings"

// APIVersion is one of Kafka 2.4's inter-broker protocol / message format
// versions (kafka.api.ApiVersion).
type APIVersion struct {
	Version       string // full form, e.g. "2.4-IV1"
	Short         string // e.g. "2.4"
	RecordVersion int8   // message format (magic) it implies: 0, 1 or 2
	ID            int    // order; higher is newer
}

// apiVersions lists ApiVersion.allVersions of Kafka 2.4, oldest first.
func apiVersions() []APIVersion {
	type v struct {
		short, sub string
		record     int8
	}
	list := []v{
		{"0.8.0", "", 0}, {"0.8.1", "", 0}, {"0.8.2", "", 0}, {"0.9.0", "", 0},
		{"0.10.0", "IV0", 1}, {"0.10.0", "IV1", 1},
		{"0.10.1", "IV0", 1}, {"0.10.1", "IV1", 1}, {"0.10.1", "IV2", 1},
		{"0.10.2", "IV0", 1},
		{"0.11.0", "IV0", 2}, {"0.11.0", "IV1", 2}, {"0.11.0", "IV2", 2},
		{"1.0", "IV0", 2}, {"1.1", "IV0", 2},
		{"2.0", "IV0", 2}, {"2.0", "IV1", 2},
		{"2.1", "IV0", 2}, {"2.1", "IV1", 2}, {"2.1", "IV2", 2},
		{"2.2", "IV0", 2}, {"2.2", "IV1", 2},
		{"2.3", "IV0", 2}, {"2.3", "IV1", 2},
		{"2.4", "IV0", 2}, {"2.4", "IV1", 2},
	}
	out := make([]APIVersion, len(list))
	for i, x := range list {
		full := x.short
		if x.sub != "" {
			full += "-" + x.sub
		}
		out[i] = APIVersion{Version: full, Short: x.short, RecordVersion: x.record, ID: i}
	}
	return out
}

// LatestAPIVersion is the default of inter.broker.protocol.version in 2.4.
const LatestAPIVersion = "2.4-IV1"

// LookupAPIVersion resolves a version string as ApiVersion.apply does:
// the first three dot-separated segments for "0.x" versions, two otherwise,
// matched against full versions ("2.4-IV0") and short ones ("2.4", meaning
// the latest of that release). So "2.4", "2.4.1" and "2.4-IV1" are all
// 2.4-IV1, and "0.10.0.1" is 0.10.0-IV1.
func LookupAPIVersion(s string) (APIVersion, bool) {
	segs := strings.Split(s, ".")
	n := 2
	if strings.HasPrefix(s, "0.") {
		n = 3
	}
	if len(segs) > n {
		segs = segs[:n]
	}
	key := strings.Join(segs, ".")
	var found APIVersion
	ok := false
	for _, v := range apiVersions() {
		if v.Version == key {
			return v, true
		}
		if v.Short == key {
			found, ok = v, true // keep the last (newest) of the release
		}
	}
	return found, ok
}
