// Package gateway stands in for API Gateway's HTTP API on a developer's
// machine: it turns each net/http request into the payload 2.0 event the
// Lambda would receive and serves it with the same route handlers, so that
// local runs and tests exercise the deployed code.
package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/api"
)

// maxLocalBody bounds what the local server reads; the handlers enforce the
// API's own, smaller limit.
const maxLocalBody = 1 << 20

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// New serves every route of api.Routes with h over plain HTTP.
func New(h *api.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range api.Routes() {
		handle := h.Serve(rt)
		params := pathParam.FindAllStringSubmatch(rt.Path, -1)
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			ev, err := toEvent(r, rt.Key())
			if err != nil {
				writeError(w, http.StatusBadRequest, `{"error":"Bad request","statusCode":400}`)
				return
			}
			if len(params) > 0 {
				ev.PathParameters = make(map[string]string, len(params))
				for _, p := range params {
					ev.PathParameters[p[1]] = r.PathValue(p[1])
				}
			}
			resp, _ := handle(r.Context(), ev)
			writeHTTP(w, resp)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, `{"error":"Not found","statusCode":404}`)
	})
	return mux
}

func toEvent(r *http.Request, routeKey string) (api.Request, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxLocalBody+1))
	if err != nil {
		return api.Request{}, err
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
	// API Gateway's sourceIp is the address alone; RemoteAddr carries the
	// connection's port too, which would make every connection a new
	// source for the sign-in lockout.
	source, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		source = r.RemoteAddr
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		Headers: headers, QueryStringParameters: query, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, Stage: "$default", RequestID: hex.EncodeToString(id),
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: source, UserAgent: r.UserAgent(),
			},
		},
	}, nil
}

// writeError answers in the contract's error shape, as API Gateway's own
// refusals are answered by the deployed routes.
func writeError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func writeHTTP(w http.ResponseWriter, resp api.Response) {
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
