package election

import (
	"net"
	"regexp"
	"strconv"
	"strings"
)

// hostPort is Utils.HOST_PORT_PATTERN, matched against the whole address.
var hostPort = regexp.MustCompile(`^.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$`)

// ValidateBootstrap is the check KafkaAdminClient.create makes of
// bootstrap.servers (ClientUtils.parseAndValidateAddresses): every entry
// host:port, at least one resolvable. Its error is the exception the
// Kafka tools die with.
func ValidateBootstrap(servers string) error {
	resolvable := 0
	for _, u := range strings.Split(strings.TrimSpace(servers), ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		m := hostPort.FindStringSubmatch(u)
		if m == nil {
			return createFailed("Invalid url in bootstrap.servers: " + u)
		}
		if port, err := strconv.ParseInt(m[2], 10, 32); err != nil || port > 65535 {
			return createFailed("Invalid port in bootstrap.servers: " + u)
		}
		if _, err := net.LookupHost(m[1]); err == nil {
			resolvable++
		}
	}
	if resolvable == 0 {
		return createFailed("No resolvable bootstrap urls given in bootstrap.servers")
	}
	return nil
}

func createFailed(cause string) error {
	return &Error{Class: "org.apache.kafka.common.KafkaException", Msg: "Failed to create new KafkaAdminClient",
		Causes: []string{"org.apache.kafka.common.config.ConfigException: " + cause}}
}
