package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// HandlerFunc is the signature of a route handler, as lambda.Start takes it.
type HandlerFunc func(context.Context, Request) (Response, error)

// Route binds a handler to an HTTP API route key such as
// "PUT /admin/clients/{clientId}". The route table below is the one list
// of routes: the functions, the local server, the OpenAPI check and the
// template check all read it.
type Route struct {
	Method string
	Path   string
	// Role is the token role the route requires (auth.RoleAdmin,
	// auth.RoleClient), or "" for a public route such as sign-in. The
	// router checks it before the route's handler runs.
	Role string
	// Scope is the API scope an admin route requires (auth.ScopeReadClients,
	// …): a token that lists scopes must list it. Every admin route declares
	// one (routes_test.go holds the table to it); other routes none.
	Scope string
	// Function is the route's folder in functions/ (its Lambda).
	Function string
	// signIn marks the sign-in routes, whose request lines also count
	// refused and locked-out sign-ins (metrics.SignInFailed, LockedOut).
	signIn bool
	// op is the route's error wording, named here and nowhere else.
	op     operation
	handle func(h *Handler, ctx context.Context, req *Request, o *outcome) Response
}

// Key is the route key API Gateway puts in events.
func (r Route) Key() string { return r.Method + " " + r.Path }

// The routes, one per Lambda function.
var (
	UpdateClient = Route{Method: http.MethodPut, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Scope: auth.ScopeUpdateClients,
		Function: "update-client", op: operation{invalid: "Invalid update data", failed: "Failed to update client"}, handle: (*Handler).updateClient}
	CreateClient = Route{Method: http.MethodPost, Path: "/admin/clients", Role: auth.RoleAdmin, Scope: auth.ScopeCreateClients,
		Function: "create-client", op: operation{invalid: "Failed to create client", failed: "Failed to create client",
			missing: "Missing required client information", conflict: "Client already exists with this ID or email"}, handle: (*Handler).createClient}
	ListClients = Route{Method: http.MethodGet, Path: "/admin/clients", Role: auth.RoleAdmin, Scope: auth.ScopeReadClients,
		Function: "list-clients", op: operation{invalid: "Invalid query parameters", failed: "Failed to fetch clients"}, handle: (*Handler).listClients}
	GetClient = Route{Method: http.MethodGet, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Scope: auth.ScopeReadClients,
		Function: "get-client", op: operation{invalid: "Invalid request", failed: "Failed to fetch client"}, handle: (*Handler).getClient}
	DeleteClient = Route{Method: http.MethodDelete, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Scope: auth.ScopeDeleteClients,
		Function: "delete-client", op: operation{invalid: "Invalid request", failed: "Failed to delete client"}, handle: (*Handler).deleteClient}
	ResetSecret = Route{Method: http.MethodPost, Path: "/admin/clients/{clientId}/reset-secret", Role: auth.RoleAdmin, Scope: auth.ScopeUpdateClientSecrets,
		Function: "reset-secret", op: operation{invalid: "Invalid request", failed: "Failed to reset client secret"}, handle: (*Handler).resetSecret}
	ClientHistory = Route{Method: http.MethodGet, Path: "/admin/clients/{clientId}/history", Role: auth.RoleAdmin, Scope: auth.ScopeReadClients,
		Function: "get-client-history", op: operation{invalid: "Invalid query parameters", failed: "Failed to fetch client history"}, handle: (*Handler).clientHistory}
	AdminLogin = Route{Method: http.MethodPost, Path: "/auth/admin/login", signIn: true,
		Function: "admin-login", op: operation{invalid: "Invalid request", failed: "Login failed",
			missing: "Missing required fields", denied: "Invalid credentials"}, handle: (*Handler).adminLogin}
	ClientLogin = Route{Method: http.MethodPost, Path: "/auth/login", signIn: true,
		Function: "client-login", op: operation{invalid: "Invalid request", failed: "Login failed",
			missing: "Missing required fields", denied: "Invalid credentials or inactive client"}, handle: (*Handler).clientLogin}
	OAuthToken = Route{Method: http.MethodPost, Path: "/auth/token", signIn: true,
		Function: "oauth-token", handle: (*Handler).oauthToken}
	GetOwnClient = Route{Method: http.MethodGet, Path: "/secure/client", Role: auth.RoleClient,
		Function: "get-own-client", op: operation{invalid: "Invalid request", failed: "Failed to get client"}, handle: (*Handler).getOwnClient}
	UpdateOwnClient = Route{Method: http.MethodPut, Path: "/secure/client", Role: auth.RoleClient,
		Function: "update-own-client", op: operation{invalid: "Invalid update data", failed: "Failed to update client"}, handle: (*Handler).updateOwnClient}
)

// Routes lists every route the service serves.
func Routes() []Route {
	return []Route{UpdateClient, CreateClient, ListClients, GetClient, DeleteClient, ResetSecret, ClientHistory,
		AdminLogin, ClientLogin, OAuthToken, GetOwnClient, UpdateOwnClient}
}

// Serve returns the Lambda handler of route r: the router. It checks the
// role and scope the route declares (and a path clientId's shape) before the route's
// handler runs, so that no handler checks roles itself, and hands the
// verified claims in through the outcome.
func (h *Handler) Serve(r Route) HandlerFunc {
	return func(ctx context.Context, req Request) (Response, error) {
		return h.serve(ctx, r, &req, func(ctx context.Context, o *outcome) Response {
			o.op = r.op
			o.op.role = r.Role // the 403 names the role the route requires
			return uncached(func() Response {
				if err := h.authorize(r, &req, o); err != nil {
					return o.fail(err)
				}
				return r.handle(h, ctx, &req, o)
			}())
		})
	}
}

// authorize checks the token for r's role and records who called. An
// admin token must grant r's scope (a token listing no scopes grants them
// all). An admin route with a path clientId that could not exist is ErrNotFound,
// without a lookup. A client token must name its client and carry the
// session stamp it was issued under; one without (made before stamps
// existed, or by hand) is invalid.
func (h *Handler) authorize(r Route, req *Request, o *outcome) error {
	switch r.Role {
	case "":
		return nil
	case auth.RoleClient:
		c, err := h.Auth.Authorize(header(req, "authorization"), auth.RoleClient)
		o.sub = c.Subject
		if err != nil {
			return err
		}
		if !client.ValidID(c.ClientID) || c.Subject != c.ClientID || c.Session == "" {
			return auth.ErrInvalidToken
		}
		o.claims, o.clientID = c, c.ClientID
		return nil
	default:
		c, err := h.Auth.Authorize(header(req, "authorization"), r.Role)
		o.sub = c.Subject
		if err != nil {
			return err
		}
		o.claims = c
		if !c.Scopes.Grants(r.Scope) {
			return &missingScope{scope: r.Scope}
		}
		if strings.Contains(r.Path, "{clientId}") {
			id := req.PathParameters["clientId"]
			if !client.ValidID(id) {
				return client.ErrNotFound
			}
			o.clientID = id
		}
		return nil
	}
}

// uncached marks resp as not to be kept by any cache (RFC 9111 §5.2.2.5):
// every answer of the API is about a client, a token or a secret, and a
// shared proxy or the browser's cache must keep none of them. A route that
// set its own Cache-Control (the sign-ins add Pragma for HTTP/1.0 caches)
// keeps it.
func uncached(resp Response) Response {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	if _, ok := resp.Headers["Cache-Control"]; !ok {
		resp.Headers["Cache-Control"] = "no-store"
	}
	return resp
}
