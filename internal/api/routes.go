package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/auth"
)

// HandlerFunc is the signature of a route handler, as lambda.Start takes it.
type HandlerFunc func(context.Context, Request) (Response, error)

// Route binds a handler to an HTTP API route key such as
// "PUT /admin/clients/{clientId}".
type Route struct {
	Method string
	Path   string
	// Role is the token role the route requires (auth.RoleAdmin,
	// auth.RoleClient), or "" for a public route such as sign-in.
	Role   string
	Handle HandlerFunc
}

// Key is the route key API Gateway puts in events.
func (r Route) Key() string { return r.Method + " " + r.Path }

// Routes lists every route the handler serves.
func (h *Handler) Routes() []Route {
	return []Route{
		{Method: http.MethodPut, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Handle: h.UpdateClient},
		{Method: http.MethodPost, Path: "/admin/clients", Role: auth.RoleAdmin, Handle: h.CreateClient},
		{Method: http.MethodGet, Path: "/admin/clients", Role: auth.RoleAdmin, Handle: h.ListClients},
		{Method: http.MethodGet, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Handle: h.GetClient},
		{Method: http.MethodDelete, Path: "/admin/clients/{clientId}", Role: auth.RoleAdmin, Handle: h.DeleteClient},
		{Method: http.MethodPost, Path: "/admin/clients/{clientId}/reset-secret", Role: auth.RoleAdmin, Handle: h.ResetSecret},
		{Method: http.MethodPost, Path: "/auth/admin/login", Handle: h.AdminLogin},
		{Method: http.MethodPost, Path: "/auth/login", Handle: h.ClientLogin},
		{Method: http.MethodPost, Path: "/auth/token", Handle: h.OAuthToken},
		{Method: http.MethodGet, Path: "/secure/client", Role: auth.RoleClient, Handle: h.GetOwnClient},
		{Method: http.MethodPut, Path: "/secure/client", Role: auth.RoleClient, Handle: h.UpdateOwnClient},
	}
}

// maxLocalBody bounds what the local server reads; the handlers enforce the
// API's own, smaller limit.
const maxLocalBody = 1 << 20

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// NewHTTPHandler serves routes over plain HTTP by translating each request
// into the API Gateway payload 2.0 event the Lambda would receive, so local
// runs and tests exercise the deployed handler code.
func NewHTTPHandler(routes []Route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		params := pathParam.FindAllStringSubmatch(rt.Path, -1)
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			ev, err := toEvent(r, rt.Key())
			if err != nil {
				writeHTTP(w, jsonResponse(http.StatusBadRequest, errorBody{Error: "Bad request", StatusCode: 400}, nil))
				return
			}
			if len(params) > 0 {
				ev.PathParameters = make(map[string]string, len(params))
				for _, p := range params {
					ev.PathParameters[p[1]] = r.PathValue(p[1])
				}
			}
			resp, _ := rt.Handle(r.Context(), ev)
			writeHTTP(w, resp)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeHTTP(w, jsonResponse(http.StatusNotFound, errorBody{Error: "Not found", StatusCode: 404}, nil))
	})
	return mux
}

func toEvent(r *http.Request, routeKey string) (Request, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxLocalBody+1))
	if err != nil {
		return Request{}, err
	}
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		// API Gateway lower-cases names and joins repeated headers with commas.
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, v := range q {
			query[k] = strings.Join(v, ",")
		}
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	now := time.Now()
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		Headers: headers, QueryStringParameters: query, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, Stage: "$default", RequestID: hex.EncodeToString(id),
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: r.RemoteAddr, UserAgent: r.UserAgent(),
			},
		},
	}, nil
}

func writeHTTP(w http.ResponseWriter, resp Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.StatusCode)
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	_, _ = w.Write(body)
}
