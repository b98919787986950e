package console

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/outbound-caller/admin-api/pkg/metrics"
)

// ServeEvent answers an API Gateway HTTP API (payload 2.0) event for one of
// RouteKeys. A file is named by the {proxy+} path parameter, so the answer
// does not depend on a stage prefix in the raw path. Without one, the raw
// path's trailing slash tells the page ("/console/") from the bare
// "/console", which is redirected to it: whichever of the two routes API
// Gateway picks for "/console/", the page's relative links resolve.
func (s *Site) ServeEvent(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	name := ev.PathParameters["proxy"]
	if name == "" && !strings.HasSuffix(ev.RawPath, "/") {
		name = "/"
	}
	// API Gateway lower-cases header names in payload 2.0 events.
	a := s.Serve(ev.RequestContext.HTTP.Method, name, ev.Headers["if-none-match"])
	return events.APIGatewayV2HTTPResponse{StatusCode: a.Status, Headers: a.Headers, Body: string(a.Body)}, nil
}

// Start is the whole main of the console's function: it reads the
// embedded files once, at cold start, and serves events, logging one JSON
// line per request as the API's functions do (with the same metrics, in
// METRICS_NAMESPACE). It needs no table or secret.
func Start() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	s, err := New()
	if err != nil {
		log.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.StartHandlerFunc(s.loggedHandler(log, os.Getenv("METRICS_NAMESPACE")))
}

// loggedHandler is the function's handler: ServeEvent, and one request
// line per event in namespace, the first reporting the cold start.
func (s *Site) loggedHandler(log *slog.Logger, namespace string) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var served atomic.Bool
	line := metrics.NewLine(namespace)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		start := time.Now()
		resp, err := s.ServeEvent(ctx, ev)
		end := time.Now()
		log.LogAttrs(ctx, slog.LevelInfo, "request", append([]slog.Attr{slog.String("requestId", ev.RequestContext.RequestID)},
			line.Attrs(metrics.Request{Route: ev.RouteKey, Status: resp.StatusCode,
				Latency: end.Sub(start), ColdStart: served.CompareAndSwap(false, true), Time: end})...)...)
		return resp, err
	}
}
