package api

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// seedBodies are the request bodies of the seed document (full example and
// its three scenarios) plus the edges of the rules.
var seedBodies = []string{
	`{"status":"Active","agentId":"updated_agent_id","twilioPhoneNumber":"+18005559876","clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234","businessName":"Acme Corporation","city":"Chicago","jobTitle":"CTO","notes":"Updated account information"}}`,
	`{"clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234"}}`,
	`{"status":"Inactive"}`,
	`{"agentId":"new_agent_id","twilioPhoneNumber":"+18005559876"}`,
	`{"clientMeta":{"phone":null,"notes":"","city":" Paris "}}`,
	`{"clientId":"x","clientSecret":"y"}`,
	`{"clientMeta":{"email":"A@b.co","nick":1}}`,
	`[{"status":"Active"}]`,
	`{"status":null}`,
	"{\"clientMeta\":{\"fullName\":\"\\u00e9\\ud800\\t\"}}",
}

// FuzzDecodeUpdate: any body either decodes to a non-empty Update or fails
// with a *ValidationError (a 400 naming the field), never a panic or another
// error; an accepted Update re-encodes to a body that decodes to the same
// Update.
func FuzzDecodeUpdate(f *testing.F) {
	for _, b := range seedBodies {
		f.Add([]byte(b))
	}
	rules := client.NewRules()
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeAndCheck(rules, body, false)
		if err != nil {
			if _, ok := errors.AsType[*client.ValidationError](err); !ok {
				t.Fatalf("error %T %v is not a ValidationError", err, err)
			}
			if err.Error() == "" {
				t.Fatal("validation error without a message")
			}
			return
		}
		if u.IsEmpty() {
			t.Fatal("accepted an update that changes nothing")
		}
		again, err := encodeUpdate(u)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		u2, err := decodeAndCheck(rules, again, false)
		if err != nil {
			t.Fatalf("re-encoded body %s refused: %v", again, err)
		}
		if !slices.Equal(u.Changes(), u2.Changes()) {
			t.Fatalf("round trip changed the update:\n%#v\n%#v\nvia %s", u, u2, again)
		}
	})
}

// encodeUpdate writes u as a request body: each field it names at its
// JSON path, a removal as null, so that the body decodes to the same
// Update.
func encodeUpdate(u client.Update) ([]byte, error) {
	body := map[string]any{}
	meta := map[string]any{}
	for _, c := range u.Changes() {
		var v any = c.Value
		if c.Removes() {
			v = nil
		}
		if c.Field.Meta {
			meta[c.Field.Name] = v
		} else {
			body[c.Field.Name] = v
		}
	}
	if len(meta) > 0 {
		body[client.MetaKey] = meta
	}
	return json.Marshal(body)
}
