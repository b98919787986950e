package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestAnUnreadableClientTakesNothingDown: a client item whose stored time
// does not parse (as the original's year-10000 dates once imported) is
// skipped from list pages with a log line naming it, for every page shape,
// and can still be deleted by id, freeing its email and number.
func TestAnUnreadableClientTakesNothingDown(t *testing.T) {
	for _, bad := range []struct{ attr, value string }{
		{"createdAt", "+10000-01-01T00:00:00.000Z"},
		{"updatedAt", "not a time"},
	} {
		t.Run(bad.attr, func(t *testing.T) {
			e := testkit.Seeded(t)
			_, err := e.DB.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName: &e.Table, Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + testkit.JohnID}},
				UpdateExpression:          aws.String("SET #a = :v"),
				ExpressionAttributeNames:  map[string]string{"#a": bad.attr},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: bad.value}},
			})
			if err != nil {
				t.Fatal(err)
			}
			admin := []string{"Authorization", "Bearer " + e.AdminToken(t)}
			for _, q := range []string{"", "?limit=1", "?status=Active", "?search=example", "?offset=0&limit=5"} {
				before := len(e.Logs.String())
				r := e.Do(t, http.MethodGet, "/admin/clients"+q, "", admin...)
				if r.Status != http.StatusOK || strings.Contains(r.Body, testkit.JohnID) {
					t.Errorf("GET /admin/clients%s: %d %s", q, r.Status, r.Body)
				}
				if logged := e.Logs.String()[before:]; strings.Contains(q, "limit=1") {
					continue // the page may end before John
				} else if !strings.Contains(logged, "unreadable client skipped") || !strings.Contains(logged, testkit.JohnID) {
					t.Errorf("GET /admin/clients%s: no log line names the skipped client:\n%s", q, logged)
				}
			}
			// Paging by cursor walks past it to every readable client.
			seen := map[string]bool{}
			path := "/admin/clients?limit=1"
			for range 10 {
				r := e.Do(t, http.MethodGet, path, "", admin...)
				var b struct {
					Clients    []struct{ ClientID string }
					NextCursor string
				}
				if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
					t.Fatalf("%s: %v", r.Body, err)
				}
				for _, c := range b.Clients {
					seen[c.ClientID] = true
				}
				if b.NextCursor == "" {
					break
				}
				path = "/admin/clients?limit=1&cursor=" + b.NextCursor
			}
			if !seen[testkit.JaneID] || seen[testkit.JohnID] {
				t.Errorf("paging saw %v", seen)
			}
			// A PUT cannot answer without reading the client back: it is
			// refused before it writes, not written and then answered 500.
			if bad.attr == "createdAt" {
				before := e.Snapshot(t)
				r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"agent_after_bad_date"}`, append(admin, "Content-Type", "application/json")...)
				if r.Status != http.StatusInternalServerError {
					t.Errorf("PUT of the unreadable client: %d %s, want 500", r.Status, r.Body)
				}
				if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
					t.Errorf("the refused PUT wrote:\n%s", d)
				}
			}
			if r := e.Do(t, http.MethodDelete, testkit.JohnPath, "", admin...); r.Status != http.StatusOK {
				t.Fatalf("DELETE of the unreadable client: %d %s", r.Status, r.Body)
			}
			if e.Item(t, "CLIENT#"+testkit.JohnID) != nil || e.Item(t, "EMAIL#john.smith@example.com") != nil {
				t.Errorf("the delete left the client or its email lock")
			}
		})
	}
}

// TestATimeSpelledOtherwiseStillUpdates: a stored time that parses but is
// not spelled the way the service writes it (no milliseconds, an offset)
// takes the update's other path, and the update is written and answered.
func TestATimeSpelledOtherwiseStillUpdates(t *testing.T) {
	e := testkit.Seeded(t)
	_, err := e.DB.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: &e.Table, Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + testkit.JohnID}},
		UpdateExpression:          aws.String("SET createdAt = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "2025-01-01T01:00:00+01:00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"agent_other_spelling"}`, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "application/json")
	if r.Status != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	if got := e.Item(t, "CLIENT#"+testkit.JohnID)["agentId"]; got != "agent_other_spelling" {
		t.Errorf("agentId stored %v", got)
	}
}
