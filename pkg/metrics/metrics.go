// Package metrics names, once, what the service publishes to CloudWatch,
// and writes it as Embedded Metric Format (EMF): the request line every
// function already logs carries an "_aws" block that tells CloudWatch Logs
// which of the line's members are metrics and which are dimensions, so
// metrics cost no API call, no permission and no dependency (the
// functions' log groups extract them). The template's alarms and dashboard
// name these constants' values; template_test.go holds them to Published.
//
// Specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package metrics

import (
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// DefaultNamespace is the CloudWatch namespace when METRICS_NAMESPACE is
// unset (local runs); the template sets one per stack, so that a dev and a
// prod stack in one account do not mix their figures.
const DefaultNamespace = "OutboundCallerAdminApi"

// Dimensions: members of the request line that metrics are split by.
// Neither can hold request data: a route key is the route's template
// ("GET /admin/clients/{clientId}", never the id), a status class one of
// four strings. Client ids, admin names and request ids stay plain members
// of the line, searchable in Logs Insights and never a dimension (a
// dimension value is a metric of its own, kept 15 months, and visible to
// anyone who may read metrics).
const (
	Route       = "route"
	StatusClass = "statusClass"
)

// Metric names: members of the request line whose values CloudWatch
// records.
const (
	// Latency is the handler's time for a request, in milliseconds; its
	// SampleCount is the number of requests, so no separate count is
	// published.
	Latency = "latencyMs"
	// ColdStart is 1 on the first request an instance serves, else 0.
	ColdStart = "coldStart"
	// SignInFailed is 1 when a sign-in route refuses credentials (401),
	// else 0; published by the sign-in routes only.
	SignInFailed = "signInFailed"
	// LockedOut is 1 when a sign-in route refuses an account and address
	// locked out after too many failures (429), else 0: many in a short
	// time mean someone is guessing. Published by the sign-in routes only.
	LockedOut = "lockedOut"
)

// Units, as CloudWatch names them.
const (
	Milliseconds = "Milliseconds"
	Count        = "Count"
)

// Metric is one metric a request line publishes and the dimension sets it
// is published under (an empty set: the metric with no dimension, the
// service-wide figure).
type Metric struct {
	Name       string
	Unit       string
	Dimensions [][]string
	// SignInOnly: only the sign-in routes' lines carry it.
	SignInOnly bool
}

// Published lists every metric a request line can carry. Each (name,
// dimension set) pair is a CloudWatch metric per value of its dimensions:
// about 12 routes × (1 + 4 status classes) latency metrics, 12 cold start
// metrics, and 3 × 2 + 2 sign-in metrics.
func Published() []Metric {
	return []Metric{
		{Name: Latency, Unit: Milliseconds, Dimensions: [][]string{{Route}, {Route, StatusClass}}},
		{Name: ColdStart, Unit: Count, Dimensions: [][]string{{Route}}},
		{Name: SignInFailed, Unit: Count, Dimensions: [][]string{{Route}, {}}, SignInOnly: true},
		{Name: LockedOut, Unit: Count, Dimensions: [][]string{{Route}, {}}, SignInOnly: true},
	}
}

// Request is what one request reports.
type Request struct {
	Route     string // the route key, as API Gateway sends it
	Status    int
	Latency   time.Duration
	ColdStart bool
	// SignIn marks a sign-in route: its line also carries SignInFailed and
	// LockedOut.
	SignIn bool
	// Time is when the request ended (the metrics' timestamp).
	Time time.Time
}

// directive is one entry of _aws.CloudWatchMetrics.
type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []metricName `json:"Metrics"`
}

type metricName struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// Line writes the request lines of one function in one namespace. The
// _aws block's directives depend only on the namespace and on whether the
// route is a sign-in, so NewLine builds both once; a request only adds its
// values. (They stay values for log/slog's JSON handler to encode: handed
// over as encoded JSON, the handler re-scans and compacts them, which
// costs more than encoding these few strings.)
type Line struct {
	plain, signIn []directive
}

// NewLine is the Line of namespace ("": DefaultNamespace).
func NewLine(namespace string) Line {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return Line{plain: directives(namespace, false), signIn: directives(namespace, true)}
}

// directives is the _aws.CloudWatchMetrics array of a route's lines: one
// directive per dimension-set list, in Published's order.
func directives(namespace string, signIn bool) []directive {
	var ds []directive
	for _, m := range Published() {
		if m.SignInOnly && !signIn {
			continue
		}
		i := len(ds) - 1
		if i < 0 || !sameSets(ds[i].Dimensions, m.Dimensions) {
			ds = append(ds, directive{Namespace: namespace, Dimensions: m.Dimensions})
			i++
		}
		ds[i].Metrics = append(ds[i].Metrics, metricName{Name: m.Name, Unit: m.Unit})
	}
	return ds
}

// Attrs returns the request line's members for r: the route, status and
// latency the line has always carried, the members its metrics and
// dimensions need, and the _aws block that names them. The caller adds the
// members that are not metrics (request id, client id, admin name).
func (l Line) Attrs(r Request) []slog.Attr { return l.AppendAttrs(nil, r) }

// AppendAttrs is Attrs appended to attrs.
func (l Line) AppendAttrs(attrs []slog.Attr, r Request) []slog.Attr {
	if l.plain == nil {
		l = NewLine("")
	}
	attrs = append(attrs,
		slog.String(Route, r.Route),
		slog.Int("status", r.Status),
		slog.Float64(Latency, float64(r.Latency.Microseconds())/1000),
		slog.String(StatusClass, StatusClassOf(r.Status)),
		slog.Int(ColdStart, b2i(r.ColdStart)),
	)
	ds := l.plain
	if r.SignIn {
		ds = l.signIn
		attrs = append(attrs,
			slog.Int(SignInFailed, b2i(r.Status == 401)),
			slog.Int(LockedOut, b2i(r.Status == 429)))
	}
	return append(attrs, slog.Group("_aws",
		slog.Int64("Timestamp", r.Time.UnixMilli()),
		slog.Any("CloudWatchMetrics", ds)))
}

// StatusClassOf returns "2xx", "4xx", … for an HTTP status.
func StatusClassOf(status int) string {
	return strconv.Itoa(status/100) + "xx"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sameSets(a, b [][]string) bool {
	return slices.EqualFunc(a, b, slices.Equal[[]string])
}
