package testkit

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/api"
)

// Seeded starts a Env holding the demo clients, with their
// secrets, and clears its DynamoDB call log.
func Seeded(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	e := NewEnv(tb, opts...)
	if err := localdb.SeedWithSecrets(tb.Context(), e.Store, e.Handler.Secrets, time.Now()); err != nil {
		tb.Fatal(err)
	}
	e.Calls()
	return e
}

// Login signs a client in through POST /auth/login and returns its token.
func Login(tb testing.TB, e *Env, id, secret string) string {
	tb.Helper()
	r := e.Do(tb, http.MethodPost, "/auth/login", `{"clientId":"`+id+`","clientSecret":"`+secret+`"}`, "Content-Type", "application/json")
	if r.Status != 200 {
		tb.Fatalf("login %s: %d %s", id, r.Status, r.Body)
	}
	return r.JSON(tb)["token"].(string)
}

// Event builds the API Gateway event for a route as API Gateway would.
func Event(method, routePath string, params map[string]string, headers map[string]string, body string) api.Request {
	key := method + " " + routePath
	return api.Request{
		Version: "2.0", RouteKey: key, RawPath: routePath, Headers: headers, PathParameters: params, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: key, Stage: "$default", RequestID: "fuzz",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: routePath},
		},
	}
}
