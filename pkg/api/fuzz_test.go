package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/localdb"
	"github.com/outbound-caller/admin-api/pkg/testenv"
)

// event builds the API Gateway event for a route as API Gateway would.
func event(method, routePath string, params map[string]string, headers map[string]string, body string) api.Request {
	key := method + " " + routePath
	return api.Request{
		Version: "2.0", RouteKey: key, RawPath: routePath, Headers: headers, PathParameters: params, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: key, Stage: "$default", RequestID: "fuzz",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: routePath},
		},
	}
}

// FuzzClientID drives the update handler with arbitrary path clientIds: the
// answer is 200 for a seeded client, otherwise the contract's 404 with the
// table unchanged, and an id client.ValidID refuses costs no DynamoDB call.
func FuzzClientID(f *testing.F) {
	for _, id := range []string{"client_12345abcde", "client_67890fghij", "client_missing", "no such", "../CLIENT#x", "EMAIL#john.smith@example.com", "ab", "", "client_12345abcde\x00", "é"} {
		f.Add(id)
	}
	e := testenv.New(f)
	if err := localdb.Seed(f.Context(), e.Store, time.Now()); err != nil {
		f.Fatal(err)
	}
	seeded := map[string]bool{"client_12345abcde": true, "client_67890fghij": true}
	token := e.AdminToken(f)
	const body = `{"status":"Active"}`
	f.Fuzz(func(t *testing.T, id string) {
		before := e.Snapshot(t)
		req := event(http.MethodPut, "/admin/clients/{clientId}", map[string]string{"clientId": id},
			map[string]string{"authorization": "Bearer " + token, "content-type": "application/json"}, body)
		resp, err := e.Handler.UpdateClient(context.Background(), req)
		if err != nil {
			t.Fatalf("handler error %v", err)
		}
		e.Bodies.Write([]byte(resp.Body + "\n"))
		calls := e.Calls()
		if !client.ValidID(id) && len(calls) != 0 {
			t.Fatalf("id %q is invalid but reached DynamoDB: %v", id, calls)
		}
		switch {
		case seeded[id]:
			if resp.StatusCode != 200 {
				t.Fatalf("id %q: %d %s", id, resp.StatusCode, resp.Body)
			}
			var ok struct{ Client struct{ ClientID string } }
			if json.Unmarshal([]byte(resp.Body), &ok) != nil || ok.Client.ClientID != id {
				t.Fatalf("id %q: body %s", id, resp.Body)
			}
		case resp.StatusCode != 404 || resp.Body != `{"error":"Client not found","statusCode":404}`:
			t.Fatalf("id %q: %d %s", id, resp.StatusCode, resp.Body)
		default:
			if after := e.Snapshot(t); !slices.Equal(before, after) {
				t.Fatalf("id %q: a 404 changed the table", id)
			}
		}
	})
}
