package metrics_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/metrics"
)

// line writes r's request line as the functions do (slog's JSON handler).
func line(t *testing.T, namespace string, r metrics.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).LogAttrs(t.Context(), slog.LevelInfo, "request",
		append([]slog.Attr{slog.String("requestId", "req-1"), slog.String("clientId", "client_12345abcde")},
			metrics.NewLine(namespace).Attrs(r)...)...)
	return bytes.TrimSpace(buf.Bytes())
}

// published renders ParseEMF's result as "namespace name[dims]=value" lines.
func published(ms []testkit.EMFMetric) []string {
	var out []string
	for _, m := range ms {
		var dims []string
		for _, d := range m.Dimensions {
			dims = append(dims, d+"="+m.Values[d])
		}
		v, _ := json.Marshal(m.Value)
		out = append(out, m.Namespace+" "+m.Name+"["+strings.Join(dims, ",")+"] "+m.Unit+" "+string(v))
	}
	slices.Sort(out)
	return out
}

func TestRequestLineIsEmbeddedMetricFormat(t *testing.T) {
	at := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	const get, login = "GET /admin/clients/{clientId}", "POST /auth/login"
	tests := []struct {
		name      string
		namespace string
		req       metrics.Request
		want      []string
	}{
		{"a warm read publishes latency by route and by route and class, and no cold start", "NS",
			metrics.Request{Route: get, Status: 200, Latency: 1500 * time.Microsecond, Time: at},
			[]string{
				"NS coldStart[route=" + get + "] Count 0",
				"NS latencyMs[route=" + get + "," + "statusClass=2xx] Milliseconds 1.5",
				"NS latencyMs[route=" + get + "] Milliseconds 1.5",
			}},
		{"the first request of an instance counts a cold start; a 503 is class 5xx", "NS",
			metrics.Request{Route: get, Status: 503, Latency: 2 * time.Millisecond, ColdStart: true, Time: at},
			[]string{
				"NS coldStart[route=" + get + "] Count 1",
				"NS latencyMs[route=" + get + "," + "statusClass=5xx] Milliseconds 2",
				"NS latencyMs[route=" + get + "] Milliseconds 2",
			}},
		{"a refused sign-in counts a failure, by route and service-wide; no namespace means the default", "",
			metrics.Request{Route: login, Status: 401, Latency: time.Millisecond, Time: at, SignIn: true},
			[]string{
				"OutboundCallerAdminApi coldStart[route=" + login + "] Count 0",
				"OutboundCallerAdminApi latencyMs[route=" + login + "," + "statusClass=4xx] Milliseconds 1",
				"OutboundCallerAdminApi latencyMs[route=" + login + "] Milliseconds 1",
				"OutboundCallerAdminApi lockedOut[] Count 0",
				"OutboundCallerAdminApi lockedOut[route=" + login + "] Count 0",
				"OutboundCallerAdminApi signInFailed[] Count 1",
				"OutboundCallerAdminApi signInFailed[route=" + login + "] Count 1",
			}},
		{"a locked-out sign-in counts a lockout, not a failure", "NS",
			metrics.Request{Route: login, Status: 429, Latency: time.Millisecond, Time: at, SignIn: true},
			[]string{
				"NS coldStart[route=" + login + "] Count 0",
				"NS latencyMs[route=" + login + "," + "statusClass=4xx] Milliseconds 1",
				"NS latencyMs[route=" + login + "] Milliseconds 1",
				"NS lockedOut[] Count 1",
				"NS lockedOut[route=" + login + "] Count 1",
				"NS signInFailed[] Count 0",
				"NS signInFailed[route=" + login + "] Count 0",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := line(t, tt.namespace, tt.req)
			ms, err := testkit.ParseEMF(l)
			if err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			if got := published(ms); !slices.Equal(got, tt.want) {
				t.Errorf("published\n%s\nwant\n%s\nline %s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), l)
			}
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatal(err)
			}
			if ts := m["_aws"].(map[string]any)["Timestamp"]; ts != float64(at.UnixMilli()) {
				t.Errorf("Timestamp %v, want %d", ts, at.UnixMilli())
			}
			// The members the line always had keep their names.
			for _, k := range []string{"requestId", "route", "status", "latencyMs", "clientId"} {
				if _, ok := m[k]; !ok {
					t.Errorf("line lacks %s: %s", k, l)
				}
			}
		})
	}
}

// TestPublishedIsWhatLinesCarry: Published (what the template's alarms are
// held to) lists exactly the metrics and dimension sets the lines publish.
func TestPublishedIsWhatLinesCarry(t *testing.T) {
	var want []string
	for _, m := range metrics.Published() {
		for _, d := range m.Dimensions {
			want = append(want, m.Name+"["+strings.Join(d, ",")+"] "+m.Unit)
		}
	}
	slices.Sort(want)
	var got []string
	for _, signIn := range []bool{false, true} {
		ms, err := testkit.ParseEMF(line(t, "NS", metrics.Request{Route: "POST /auth/login", Status: 200, Time: time.Now(), SignIn: signIn}))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			got = append(got, m.Name+"["+strings.Join(m.Dimensions, ",")+"] "+m.Unit)
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if !slices.Equal(got, want) {
		t.Errorf("lines publish %v, Published says %v", got, want)
	}
	for _, m := range metrics.Published() {
		for _, d := range m.Dimensions {
			for _, name := range d {
				if name != metrics.Route && name != metrics.StatusClass {
					t.Errorf("%s has dimension %s: only the route and the status class may be dimensions", m.Name, name)
				}
			}
		}
	}
}

// TestParseEMFRefusesWhatCloudWatchWouldNotExtract: the checker the
// functions' lines are held to fails on each broken rule.
func TestParseEMFRefusesWhatCloudWatchWouldNotExtract(t *testing.T) {
	const ok = `{"route":"r","latencyMs":1,"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"NS","Dimensions":[["route"]],"Metrics":[{"Name":"latencyMs","Unit":"Milliseconds"}]}]}}`
	if _, err := testkit.ParseEMF([]byte(ok)); err != nil {
		t.Fatalf("the valid line: %v", err)
	}
	tests := []struct{ name, line, want string }{
		{"not JSON", `route=r`, "not a JSON object"},
		{"no _aws", `{"route":"r","latencyMs":1}`, "no _aws"},
		{"no timestamp", strings.Replace(ok, `"Timestamp":1700000000000,`, "", 1), "Timestamp missing"},
		{"timestamp in seconds as text", strings.Replace(ok, `1700000000000`, `"1700000000"`, 1), "_aws"},
		{"no directives", `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]}}`, "empty"},
		{"no namespace", strings.Replace(ok, `"Namespace":"NS",`, "", 1), "namespace"},
		{"no dimensions", strings.Replace(ok, `"Dimensions":[["route"]],`, "", 1), "Dimensions missing"},
		{"a dimension that is not in the line", strings.Replace(ok, `[["route"]]`, `[["clientId"]]`, 1), `"clientId" is not a member`},
		{"a dimension that is a number", strings.Replace(ok, `"route":"r"`, `"route":3`, 1), "not a string"},
		{"a metric that is not in the line", strings.Replace(ok, `"latencyMs":1,`, "", 1), "not a member"},
		{"a metric that is text", strings.Replace(ok, `"latencyMs":1`, `"latencyMs":"1"`, 1), "not a number"},
		{"a unit CloudWatch does not know", strings.Replace(ok, `"Milliseconds"`, `"ms"`, 1), "unit"},
		{"a misspelt key", strings.Replace(ok, `"Metrics"`, `"Metric"`, 1), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testkit.ParseEMF([]byte(tt.line))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseEMF(%s) = %v, want an error containing %q", tt.line, err, tt.want)
			}
		})
	}
}
