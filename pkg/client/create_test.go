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

// TestCreateAndUpdateShareRules: the same field value gets the same
// verdict and message from both decoders.
func TestCreateAndUpdateShareRules(t *testing.T) {
	r := client.NewRules()
	const required = `"clientMeta":{"fullName":"A B","email":"a@example.com","phone":"+14155550100"},"agentId":"a1","twilioPhoneNumber":"+14155550101"`
	for _, field := range []string{`"status":"paused"`, `"agentId":"a b"`, `"twilioPhoneNumber":"0123"`} {
		_, errU := r.DecodeUpdate([]byte(`{` + field + `}`))
		_, errC := r.DecodeCreate([]byte(`{` + required + `,` + field + `}`))
		if errU == nil || errC == nil || errU.Error() != errC.Error() {
			t.Errorf("%s: update %v, create %v", field, errU, errC)
		}
	}
}
