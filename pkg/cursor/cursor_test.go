package cursor_test

import (
	"errors"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/cursor"
)

func TestCursor(t *testing.T) {
	c := cursor.New(cursor.DeriveKey("configured secret"))
	pos := client.Position{CreatedAt: "2025-03-20T12:00:00.000Z", ClientID: testkit.JohnID}
	q := client.ListQuery{Status: client.StatusActive, Search: "acme", Limit: 10}
	tok := c.Encode(pos, q)

	got, err := cursor.New(cursor.DeriveKey("configured secret")).Decode(tok, q)
	if err != nil || got != pos {
		t.Fatalf("another instance with the same configuration: %v %v", got, err)
	}
	// A search's matches so far travel with the position.
	counted := client.Position{CreatedAt: pos.CreatedAt, ClientID: pos.ClientID, Before: 2000}
	if got, err := c.Decode(c.Encode(counted, q), q); err != nil || got != counted {
		t.Errorf("matches so far: got %+v %v, want %+v", got, err, counted)
	}
	if _, err := c.Decode(tok, client.ListQuery{Status: client.StatusActive, Search: "acme", Limit: 50}); err != nil {
		t.Errorf("a cursor must survive a change of page size: %v", err)
	}
	flip := func(i int) string { b := []byte(tok); b[i] ^= 1; return string(b) }
	for name, tc := range map[string]struct {
		codec *cursor.Codec
		tok   string
		q     client.ListQuery
	}{
		"other key":                      {cursor.New(cursor.DeriveKey("other secret")), tok, q},
		"payload bit":                    {c, flip(3), q},
		"signature bit":                  {c, flip(len(tok) - 2), q},
		"truncated":                      {c, tok[:len(tok)-5], q},
		"no signature":                   {c, tok[:len(tok)-44], q},
		"other status":                   {c, tok, client.ListQuery{Status: client.StatusSuspended, Search: "acme"}},
		"other search":                   {c, tok, client.ListQuery{Status: client.StatusActive, Search: "acm"}},
		"empty":                          {c, "", q},
		"not base64":                     {c, "!!!.???", q},
		"signed bad payload":             {c, c.Encode(client.Position{CreatedAt: "yesterday", ClientID: "x"}, q), q},
		"signed negative matches so far": {c, c.Encode(client.Position{CreatedAt: pos.CreatedAt, ClientID: pos.ClientID, Before: -1}, q), q},
	} {
		if _, err := tc.codec.Decode(tc.tok, tc.q); !errors.Is(err, cursor.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}
