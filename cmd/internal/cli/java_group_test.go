package cli

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestNonEmptyGroupException(t *testing.T) {
	want := "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty."
	if got := JavaException(kerr.NonEmptyGroup, ""); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
