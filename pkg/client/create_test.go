package client_test

import (
	"regexp"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func TestNewID(t *testing.T) {
	pattern := regexp.MustCompile(`^client_[0-9A-Za-z]{22}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := client.NewID()
		if !pattern.MatchString(id) || !client.ValidID(id) || seen[id] {
			t.Fatalf("id %q: malformed or repeated", id)
		}
		seen[id] = true
	}
}
