package store_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// setStored overwrites attribute attr of client id with a raw string, as
// an older writer (or another tool) may have left it.
func setStored(t *testing.T, e *testkit.Env, id, attr, value string) {
	t.Helper()
	_, err := e.DB.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: &e.Table, Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + id}},
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: value}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Calls()
}

// TestSessionWriteComparesInstants: a stored tokensValidAfter spelled
// without milliseconds is the same instant as the token's stamp, so the
// session-conditioned write must happen (and report the client written),
// and an older stamp must still be refused. Before the fix the write
// answered an empty client and no error and changed nothing.
func TestSessionWriteComparesInstants(t *testing.T) {
	city := "Lyon"
	u := client.UpdateOf(map[string]string{"clientMeta.city": city})
	for _, tc := range []struct {
		name, stored, session string
		want                  error
	}{
		{"stored without milliseconds, same instant", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z", nil},
		{"stored with an offset, same instant", "2026-01-01T01:00:00.000+01:00", "2026-01-01T00:00:00.000Z", nil},
		{"stored without milliseconds, token older", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59.999Z", client.ErrSessionRevoked},
		{"stored without milliseconds, token newer", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.001Z", client.ErrSessionRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := seeded(t)
			setStored(t, e, john, "tokensValidAfter", tc.stored)
			before := e.Snapshot(t)
			c, err := e.Store.Update(t.Context(), john, u, client.Write{By: john, Session: tc.session})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
					t.Errorf("refused write changed the table:\n%s", d)
				}
				return
			}
			if c.ClientID != john || c.Meta.City != city {
				t.Errorf("reported client %+v, want %s with city %s", c, john, city)
			}
			item := e.Item(t, "CLIENT#"+john)
			if item["clientMeta"].(map[string]any)["city"] != city {
				t.Errorf("the write reported success and did not happen: %v", item["clientMeta"])
			}
		})
	}
}

// TestUnreadableStoredTimesAreErrors: a stored time that does not parse is
// an error of every read, never a zero time shown as a client.
func TestUnreadableStoredTimesAreErrors(t *testing.T) {
	for _, attr := range []string{"createdAt", "updatedAt", "tokensValidAfter"} {
		t.Run(attr, func(t *testing.T) {
			e := seeded(t)
			setStored(t, e, john, attr, "yesterday")
			if c, err := e.Store.Get(t.Context(), john); err == nil {
				t.Errorf("Get = %+v, nil error", c)
			}
		})
	}
}
