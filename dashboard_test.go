package adminapi_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/metrics"
)

// dashboardWidget is one widget of the dashboard's body: its metrics, each
// an array of namespace, name, dimension pairs and options, or one
// expression.
type dashboardWidget struct {
	Type       string `json:"type"`
	Properties struct {
		Title   string            `json:"title"`
		Region  string            `json:"region"`
		Metrics [][]any           `json:"metrics"`
		Extra   map[string]string `json:"-"`
	} `json:"properties"`
}

// search is a CloudWatch SEARCH expression's schema and metric name.
var search = regexp.MustCompile(`SEARCH\('\{([^}]*)\} MetricName="([A-Za-z0-9]+)"((?: [a-zA-Z]+="[^"]*")*)`)

// TestDashboardShowsWhatIsPublished reads the dashboard's body (the !Sub
// JSON, its placeholders filled) and fails on a widget reading a metric
// that nothing publishes: of our namespace, a name or dimension set not in
// metrics.Published; of AWS's, one not in awsMetrics. It also wants every
// part the issue names: requests, errors and p50/p99 latency per route,
// throttles, sign-in failures and lockouts, the table's capacity and
// throttles.
func TestDashboardShowsWhatIsPublished(t *testing.T) {
	tpl := readOpsTemplate(t)
	r, ok := tpl.Resources["Dashboard"]
	if !ok || r.Type != "AWS::CloudWatch::Dashboard" {
		t.Fatal("template.yaml has no Dashboard (AWS::CloudWatch::Dashboard)")
	}
	var props struct {
		DashboardBody string `yaml:"DashboardBody"`
	}
	if err := r.Properties.Decode(&props); err != nil {
		t.Fatal(err)
	}
	// The !Sub placeholders, as the stack fills them.
	body := regexp.MustCompile(`\$\{([A-Za-z0-9:.]+)\}`).ReplaceAllStringFunc(props.DashboardBody, func(p string) string {
		if p == "${AWS::StackName}" {
			return "STACK"
		}
		return "x"
	})
	var dash struct {
		Widgets []dashboardWidget `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &dash); err != nil {
		t.Fatalf("the dashboard's body is not JSON: %v", err)
	}
	ours := metrics.DefaultNamespace + "/STACK"
	var read []string // "namespace name stat" of everything shown
	for _, w := range dash.Widgets {
		if w.Properties.Region != "x" {
			t.Errorf("widget %q has no region from the stack", w.Properties.Title)
		}
		for _, m := range w.Properties.Metrics {
			var ns, name string
			var dims []string
			if opts, ok := m[0].(map[string]any); ok {
				expr, _ := opts["expression"].(string)
				sm := search.FindStringSubmatch(expr)
				if sm == nil {
					t.Errorf("widget %q: expression %q is not a SEARCH this test reads", w.Properties.Title, expr)
					continue
				}
				schema := strings.Split(sm[1], ",")
				ns, name, dims = schema[0], sm[2], schema[1:]
				read = append(read, ns+" "+name+" "+strings.Split(strings.Split(expr, "', '")[1], "'")[0])
			} else {
				ns, _ = m[0].(string)
				name, _ = m[1].(string)
				for i := 2; i+1 < len(m); i += 2 {
					if d, ok := m[i].(string); ok {
						dims = append(dims, d)
					}
				}
				read = append(read, ns+" "+name)
			}
			dims = slices.Sorted(slices.Values(dims))
			if ns == ours {
				i := slices.IndexFunc(metrics.Published(), func(p metrics.Metric) bool { return p.Name == name })
				if i < 0 {
					t.Errorf("widget %q reads %s, which pkg/metrics does not publish", w.Properties.Title, name)
					continue
				}
				if !slices.ContainsFunc(metrics.Published()[i].Dimensions, func(set []string) bool {
					return slices.Equal(slices.Sorted(slices.Values(set)), dims)
				}) {
					t.Errorf("widget %q reads %s by %v; pkg/metrics publishes it by %v", w.Properties.Title, name, dims, metrics.Published()[i].Dimensions)
				}
				continue
			}
			want, ok := awsMetrics[ns][name]
			if !ok || !slices.Equal(slices.Sorted(slices.Values(want)), dims) {
				t.Errorf("widget %q reads %s %s by %v, which AWS does not publish", w.Properties.Title, ns, name, dims)
			}
		}
	}
	for _, want := range []string{
		ours + " latencyMs SampleCount", ours + " latencyMs p50", ours + " latencyMs p99",
		ours + " signInFailed", ours + " lockedOut", "AWS/Lambda Errors Sum", "AWS/Lambda Throttles Sum",
		"AWS/DynamoDB ConsumedReadCapacityUnits", "AWS/DynamoDB WriteThrottleEvents",
	} {
		if !slices.ContainsFunc(read, func(r string) bool { return strings.HasPrefix(r, want) }) {
			t.Errorf("the dashboard shows no %s", want)
		}
	}
}

// TestTracingIsAParameterOffByDefault: X-Ray on the functions is the
// Tracing parameter, Disabled unless a deployment turns it on.
func TestTracingIsAParameterOffByDefault(t *testing.T) {
	tpl := readOpsTemplate(t)
	p, ok := tpl.Parameters["Tracing"]
	if !ok || p.Default != "Disabled" || !slices.Equal(p.AllowedValues, []string{"Disabled", "PassThrough", "Active"}) {
		t.Errorf("parameter Tracing = %+v, want Disabled by default among Disabled, PassThrough, Active", p)
	}
	if got := tpl.Globals.Function.Tracing; got != "Tracing" {
		t.Errorf("Globals.Function.Tracing = %q, want !Ref Tracing", got)
	}
}

// TestEveryAlarmHasItsRunbookSection: each runbook link an alarm's
// description names is a heading of docs/operations.md, and that section
// says what it means, how to look and what to do.
func TestEveryAlarmHasItsRunbookSection(t *testing.T) {
	doc, err := os.ReadFile("docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	var current string
	for _, line := range strings.Split(string(doc), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			current = anchor(h)
			continue
		}
		if current != "" {
			sections[current] += line + "\n"
		}
	}
	tpl := readOpsTemplate(t)
	link := regexp.MustCompile(`docs/operations\.md#([a-z0-9-]+)`)
	seen := 0
	for id, r := range tpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		var a opsAlarm
		if err := r.Properties.Decode(&a); err != nil {
			t.Fatal(err)
		}
		m := link.FindStringSubmatch(a.AlarmDescription)
		if m == nil {
			t.Errorf("%s names no runbook section", id)
			continue
		}
		body, ok := sections[m[1]]
		if !ok {
			t.Errorf("%s links docs/operations.md#%s, which is no section", id, m[1])
			continue
		}
		seen++
		for _, part := range []string{"**What it means.**", "**How to look.**", "**What to do.**"} {
			if !strings.Contains(body, part) {
				t.Errorf("docs/operations.md#%s (%s) does not say %s", m[1], id, part)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no alarm links the runbook")
	}
}

// anchor is GitHub's anchor of a heading: lower case, spaces to hyphens,
// punctuation dropped.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
