package e2e_test

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestLockMoveRetriesLostRaces: when another writer lands between the
// read (the refused in-place UpdateItem) and the lock-moving transaction,
// the update starts over from a fresh read; when every attempt loses, it
// gives up after the store's 4 attempts with a 503 that changed nothing
// of its own.
func TestLockMoveRetriesLostRaces(t *testing.T) {
	const attempts = 4 // store.maxAttempts
	for _, tc := range []struct {
		name   string
		races  int32 // transactions preceded by a competing write
		status int
	}{
		{"one lost race, then the move", 1, 200},
		{"three lost races, the fourth attempt moves", attempts - 1, 200},
		{"every attempt lost", 1000, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			johnKey := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + testkit.JohnID}}
			var transactions, raced atomic.Int32
			e.SetFault(func(ctx context.Context, op string, send func() error) error {
				if op == "TransactWriteItems" {
					transactions.Add(1)
					if raced.Add(1) <= tc.races {
						// A competing write: it bumps the version the
						// transaction is conditioned on.
						_, err := e.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
							TableName: &e.Table, Key: johnKey,
							UpdateExpression:          aws.String("SET jobTitle = :j ADD version :one"),
							ExpressionAttributeValues: map[string]types.AttributeValue{":j": &types.AttributeValueMemberS{Value: "racer"}, ":one": &types.AttributeValueMemberN{Value: "1"}},
						})
						if err != nil {
							return err
						}
					}
				}
				return send()
			})
			hdr := []string{"Content-Type", "application/json", "Authorization", "Bearer " + e.AdminToken(t)}
			e.Calls()
			r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"john.raced@example.com"}}`, hdr...)
			e.SetFault(nil)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			wantTx := min(tc.races+1, attempts)
			if got := transactions.Load(); got != wantTx {
				t.Errorf("%d transactions, want %d", got, wantTx)
			}
			// Each attempt reads through its in-place UpdateItem, never a GetItem.
			if calls := e.Calls(); slices.Contains(calls, "GetItem") {
				t.Errorf("DynamoDB calls = %v: a lock move reads through the refused UpdateItem", calls)
			}
			owner := func(k string) any {
				if l := e.Item(t, k); l != nil {
					return l["clientId"]
				}
				return nil
			}
			john := e.Item(t, "CLIENT#"+testkit.JohnID)
			email := john["clientMeta"].(map[string]any)["email"]
			switch tc.status {
			case 200:
				if email != "john.raced@example.com" || owner("EMAIL#john.raced@example.com") != testkit.JohnID || owner("EMAIL#john.smith@example.com") != nil {
					t.Errorf("after the move: email %v, new lock %v, old lock %v", email, owner("EMAIL#john.raced@example.com"), owner("EMAIL#john.smith@example.com"))
				}
			default:
				if r.Body != unavailableBody || r.Header.Get("Retry-After") == "" {
					t.Errorf("got %s (Retry-After %q)", r.Body, r.Header.Get("Retry-After"))
				}
				if email != "john.smith@example.com" || owner("EMAIL#john.smith@example.com") != testkit.JohnID || owner("EMAIL#john.raced@example.com") != nil {
					t.Errorf("a given-up move wrote: email %v, old lock %v, new lock %v", email, owner("EMAIL#john.smith@example.com"), owner("EMAIL#john.raced@example.com"))
				}
			}
		})
	}
}
