package apispec_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/outbound-caller/admin-api/internal/apispec"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

func TestSpecIsAValidOpenAPI31Document(t *testing.T) {
	doc, err := apispec.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPIMajorMinor() != "3.1" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Error("no bearer security scheme bearerAuth")
	}
}

// TestSpecAndRoutesAreTheSameSet: every route the handler serves is in the
// spec and every operation in the spec is served.
func TestSpecAndRoutesAreTheSameSet(t *testing.T) {
	doc, err := apispec.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, r := range api.Routes() {
		routes = append(routes, r.Key())
	}
	ops := apispec.Operations(doc)
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.yaml describes %s, which no route serves", o)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Responses.Value("401") == nil && (op.Security == nil || len(*op.Security) > 0) {
				t.Errorf("%s %s is secured but declares no 401", method, path)
			}
		}
	}
}

// TestValidatorRejectsDrift shows the check the integration tests rely on
// can fail: responses that differ from the spec are refused.
func TestValidatorRejectsDrift(t *testing.T) {
	const base = "http://127.0.0.1:1"
	v, err := apispec.NewValidator(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	okHeader := http.Header{"Content-Type": {"application/json"}, "Etag": {`"2"`}, "Cache-Control": {"no-store"}}
	uncached := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	const okBody = `{"message":"Client updated successfully","client":{"clientId":"client_1","status":"Active","updatedAt":"2025-03-20T14:30:00.000Z"}}`
	const view = `{"clientId":"client_1","status":"Active","agentId":"a","twilioPhoneNumber":"+18005551234","clientMeta":{"fullName":"J","email":"j@example.com"},"createdAt":"2025-03-20T14:30:00.000Z","updatedAt":"2025-03-20T14:30:00.000Z"}`
	withSecret := strings.Replace(view, `"status"`, `"clientSecret":"`+strings.Repeat("s", 43)+`","status"`, 1)
	noStore := http.Header{"Content-Type": {"application/json"}, "Etag": {`"1"`}, "Cache-Control": {"no-store"}}
	cases := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"the seed's 200", http.MethodPut, "/admin/clients/client_1", 200, okHeader, okBody, true},
		{"200 without ETag", http.MethodPut, "/admin/clients/client_1", 200, uncached, okBody, false},
		{"a client's data that may be cached", http.MethodPut, "/admin/clients/client_1", 200, http.Header{"Content-Type": {"application/json"}, "Etag": {`"2"`}}, okBody, false},
		{"updatedAt without milliseconds", http.MethodPut, "/admin/clients/client_1", 200, okHeader, strings.Replace(okBody, ".000Z", "Z", 1), false},
		{"an extra field", http.MethodPut, "/admin/clients/client_1", 200, okHeader, strings.Replace(okBody, `"message"`, `"extra":1,"message"`, 1), false},
		{"the 404 body", http.MethodPut, "/admin/clients/x", 404, json, `{"error":"Client not found","statusCode":404}`, true},
		{"a 404 with a wrong statusCode", http.MethodPut, "/admin/clients/x", 404, json, `{"error":"Client not found","statusCode":400}`, false},
		{"an SDK message in a 500", http.MethodPut, "/admin/clients/x", 500, json, `{"error":"Failed to update client","details":"ResourceNotFoundException: table t","statusCode":500}`, false},
		{"a 503 without Retry-After", http.MethodPut, "/admin/clients/x", 503, json, `{"error":"Failed to update client","details":"Service temporarily unavailable, retry shortly","statusCode":503}`, false},
		{"an undeclared status", http.MethodPut, "/admin/clients/x", 418, json, `{"error":"Teapot","statusCode":418}`, false},
		{"an unknown route", http.MethodGet, "/nowhere", 404, json, `{"error":"Not found","statusCode":404}`, false},
		{"a listed client", http.MethodGet, "/admin/clients", 200, uncached, `{"total":1,"count":1,"clients":[` + view + `]}`, true},
		{"a listed client with its secret", http.MethodGet, "/admin/clients", 200, uncached, `{"total":1,"count":1,"clients":[` + withSecret + `]}`, false},
		{"a created client with its secret", http.MethodPost, "/admin/clients", 201, noStore, `{"message":"Client created successfully","client":` + withSecret + `}`, true},
		{"a created client without its secret", http.MethodPost, "/admin/clients", 201, noStore, `{"message":"Client created successfully","client":` + view + `}`, false},
		{"a created client that may be cached", http.MethodPost, "/admin/clients", 201, http.Header{"Content-Type": {"application/json"}, "Etag": {`"2"`}}, `{"message":"Client created successfully","client":` + withSecret + `}`, false},
		{"a missing-fields 400 without the list", http.MethodPost, "/admin/clients", 400, json, `{"error":"Missing required client information","statusCode":400}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+c.path, nil)
			err := v.CheckResponse(t.Context(), req, c.status, c.header, []byte(c.body))
			if (err == nil) != c.ok {
				t.Errorf("CheckResponse = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// TestSpecStatesEachRoutesScope: each admin operation's security names
// exactly the scope its route declares, and its 403 includes the refusal
// naming it; no other operation names a scope.
func TestSpecStatesEachRoutesScope(t *testing.T) {
	doc, err := apispec.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range api.Routes() {
		item := doc.Paths.Find(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			continue // TestSpecAndRoutesAreTheSameSet reports it
		}
		op := item.GetOperation(r.Method)
		var scopes []string
		if op.Security != nil {
			for _, req := range *op.Security {
				scopes = append(scopes, req["bearerAuth"]...)
			}
		}
		if r.Role != auth.RoleAdmin {
			if len(scopes) > 0 {
				t.Errorf("%s names scopes %v; only admin routes have one", r.Key(), scopes)
			}
			continue
		}
		if !slices.Equal(scopes, []string{r.Scope}) {
			t.Errorf("%s: security names %v, the route table %q", r.Key(), scopes, r.Scope)
		}
		resp := op.Responses.Value("403")
		if resp == nil || resp.Value == nil {
			t.Errorf("%s declares no 403", r.Key())
			continue
		}
		// The body is the Error schema ($ref) narrowed by sibling
		// keywords, which the loader keeps as an allOf.
		var enum []any
		s := resp.Value.Content.Get("application/json").Schema.Value
		for _, part := range append([]*openapi3.SchemaRef{{Value: s}}, s.AllOf...) {
			if m := part.Value.Properties["message"]; m != nil && m.Value != nil {
				enum = append(enum, m.Value.Enum...)
			}
		}
		if !slices.Contains(enum, any("Missing scope: "+r.Scope)) {
			t.Errorf("%s: the 403 does not include \"Missing scope: %s\"", r.Key(), r.Scope)
		}
	}
}
