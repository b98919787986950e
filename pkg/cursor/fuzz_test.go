package cursor_test

import (
	"errors"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/cursor"
)

// FuzzCursorDecode: Decode never panics, refuses with ErrInvalid, and what
// it accepts is a position the codec itself signed (the seeds), for the
// query it was signed for: nothing can be forged or moved to another query.
func FuzzCursorDecode(f *testing.F) {
	c := cursor.New(cursor.DeriveKey("fuzz secret"))
	q := client.ListQuery{Status: client.StatusActive, Search: "acme", Limit: 10}
	signed := map[client.Position]bool{}
	for _, p := range []client.Position{
		{CreatedAt: "2025-03-20T12:00:00.000Z", ClientID: testkit.JohnID},
		{CreatedAt: "2025-03-20T14:30:00.000Z", ClientID: testkit.JaneID},
	} {
		signed[p] = true
		f.Add(c.Encode(p, q), string(q.Status), q.Search)
		f.Add(c.Encode(p, client.ListQuery{}), "", "")
	}
	f.Add("e30.AAAA", "", "")
	f.Add("..", "Active", "")
	f.Fuzz(func(t *testing.T, s, status, search string) {
		p, err := c.Decode(s, client.ListQuery{Status: client.Status(status), Search: search})
		if err != nil {
			if !errors.Is(err, cursor.ErrInvalid) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !signed[p] {
			t.Fatalf("accepted %q for a position never signed: %+v", s, p)
		}
		if !(status == "" && search == "" || status == string(q.Status) && search == q.Search) {
			t.Fatalf("accepted %q for another query (%q, %q)", s, status, search)
		}
	})
}
