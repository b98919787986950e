// Package apispec loads the API's OpenAPI 3.1 contract (openapi.yaml) and
// checks HTTP responses against it, so that the tests catch any drift
// between the spec and the code.
package apispec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	adminapi "github.com/outbound-caller/admin-api"
)

// Load parses openapi.yaml and validates it as an OpenAPI document. Each
// call returns a fresh document the caller may change.
func Load(ctx context.Context) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(adminapi.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("apispec: load openapi.yaml: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("apispec: openapi.yaml declares %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("apispec: openapi.yaml is not valid: %w", err)
	}
	return doc, nil
}

// Operations lists every operation of doc as "METHOD /path", the form of
// api.Route.Key.
func Operations(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	return out
}

// Validator checks responses of a server at one base URL against the spec.
type Validator struct {
	router routers.Router
}

// NewValidator matches requests to baseURL (a test server, say) against
// the spec's paths; the spec's own servers are set aside for that.
func NewValidator(ctx context.Context, baseURL string) (*Validator, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: baseURL}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apispec: router: %w", err)
	}
	return &Validator{router: r}, nil
}

// CheckResponse validates one response to req: its status must be one the
// operation declares, and its headers and body must match that response.
func (v *Validator) CheckResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("apispec: %s %s is not an operation of openapi.yaml: %w", req.Method, req.URL.Path, err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		// Requests are the tests' own, often deliberately invalid: only the
		// responses are the server's to get right.
		ExcludeRequestBody:        true,
		ExcludeRequestQueryParams: true,
		AuthenticationFunc:        openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fmt.Errorf("apispec: %s %s -> %d does not match openapi.yaml: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}
