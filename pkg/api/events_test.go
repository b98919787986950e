package api_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/config"
)

// eventOutcomes is what each sample event in events/ must produce against
// the seeded store. A new event without an entry here fails the test.
var eventOutcomes = map[string]struct {
	status int
	body   string // exact body, when it is fixed
}{
	"update-client.json":                 {status: 200},
	"update-client-contact.json":         {status: 200},
	"update-client-status.json":          {status: 200},
	"update-client-resources.json":       {status: 200},
	"update-client-duplicate-email.json": {409, `{"error":"Failed to update client","details":"Email is already in use by another client","statusCode":409}`},
	"update-client-not-found.json":       {404, `{"error":"Client not found","statusCode":404}`},
	"update-client-invalid-email.json":   {400, `{"error":"Invalid update data","details":"Email format is invalid","statusCode":400}`},
	"update-client-no-token.json":        {401, `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`},
	"update-client-client-token.json":    {403, `{"error":"Forbidden","message":"Admin access required","statusCode":403}`},
	"update-client-if-match-stale.json":  {412, `{"error":"Precondition Failed","message":"Client was modified by another request","statusCode":412}`},
	"create-client.json":                 {status: 201},
	"create-client-missing-fields.json":  {400, `{"error":"Missing required client information","requiredFields":["clientMeta.phone","twilioPhoneNumber"],"statusCode":400}`},
	"create-client-duplicate-email.json": {409, `{"error":"Client already exists with this ID or email","details":"email","statusCode":409}`},
	"get-client.json":                    {status: 200},
	"get-client-not-found.json":          {404, `{"error":"Client not found","statusCode":404}`},
	"list-clients.json":                  {status: 200},
	"list-clients-search.json":           {status: 200},
	"list-clients-bad-limit.json":        {400, `{"error":"Invalid query parameters","details":"limit must be an integer from 1 to 100","statusCode":400}`},
	"delete-client.json":                 {200, `{"message":"Client deleted successfully"}`},
	"delete-client-not-found.json":       {404, `{"error":"Client not found","statusCode":404}`},
	"reset-secret.json":                  {status: 200},
	"reset-secret-not-found.json":        {404, `{"error":"Client not found","statusCode":404}`},

	"admin-login.json":                   {status: 200},
	"admin-login-wrong-password.json":    {401, `{"error":"Invalid credentials","statusCode":401}`},
	"admin-login-missing-fields.json":    {400, `{"error":"Missing required fields","requiredFields":["username","password"],"statusCode":400}`},
	"client-login.json":                  {status: 200},
	"client-login-wrong-secret.json":     {401, `{"error":"Invalid credentials or inactive client","statusCode":401}`},
	"client-login-missing-fields.json":   {400, `{"error":"Missing required fields","requiredFields":["clientId","clientSecret"],"statusCode":400}`},
	"oauth-token.json":                   {status: 200},
	"oauth-token-form-credentials.json":  {status: 200},
	"oauth-token-unsupported-grant.json": {400, `{"error":"unsupported_grant_type","error_description":"Only grant_type=client_credentials is supported"}`},
	"oauth-token-invalid-client.json":    {401, `{"error":"invalid_client","error_description":"Client authentication failed"}`},
	"get-own-client.json":                {status: 200},
	"get-own-client-admin-token.json":    {403, `{"error":"Forbidden","message":"Client access required","statusCode":403}`},
	"update-own-client.json":             {status: 200},
	"update-own-client-email.json":       {400, `{"error":"Invalid update data","details":"clientMeta.email cannot be changed by the client; an admin changes it","statusCode":400}`},
}

// TestSampleEvents runs every file in events/ through the handler its
// routeKey names, the way `sam local invoke -e` would, so they never rot.
func TestSampleEvents(t *testing.T) {
	files, err := filepath.Glob("../../events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events found: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := eventOutcomes[name]
			if !ok {
				t.Fatalf("no expected outcome for %s: add it to eventOutcomes", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("not an HTTP API payload 2.0 event: %v", err)
			}
			if ev.Version != "2.0" || ev.RequestContext.RouteKey != ev.RouteKey ||
				!strings.HasPrefix(ev.RouteKey, ev.RequestContext.HTTP.Method+" ") {
				t.Fatalf("inconsistent event: version %q, routeKey %q, context %q %q",
					ev.Version, ev.RouteKey, ev.RequestContext.RouteKey, ev.RequestContext.HTTP.Method)
			}
			e := newSeeded(t, func(c *config.Config) { c.JWTSecret = config.DevSecret })
			var handled bool
			for _, rt := range e.Handler.Routes() {
				if rt.Key() != ev.RouteKey {
					continue
				}
				handled = true
				resp, err := rt.Handle(t.Context(), ev)
				if err != nil {
					t.Fatalf("handler returned an error: %v", err)
				}
				if resp.StatusCode != want.status || (want.body != "" && resp.Body != want.body) {
					t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, want.status, want.body)
				}
			}
			if !handled {
				t.Fatalf("no route serves %q", ev.RouteKey)
			}
		})
	}
	for name := range eventOutcomes {
		if !seen[name] {
			t.Errorf("expected event %s is missing from events/", name)
		}
	}
}
