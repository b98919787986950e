package adminapi_test

import (
	"cmp"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/console"
	"github.com/outbound-caller/admin-api/pkg/metrics"
)

// opsTemplate is the part of template.yaml the operations tests read:
// deployments, alarms, the dashboard. A resource's Properties stay a
// yaml.Node, decoded by type (opsFunction, opsAlarm); values that may be
// an intrinsic function (!If) are yaml.Nodes too, read with scalars.
// Short-form tags on scalars (!Ref X, !Sub "…") decode as their plain
// values.
type opsTemplate struct {
	Parameters map[string]struct {
		Type          string   `yaml:"Type"`
		Default       string   `yaml:"Default"`
		AllowedValues []string `yaml:"AllowedValues"`
		Description   string   `yaml:"Description"`
	} `yaml:"Parameters"`
	Conditions map[string]yaml.Node `yaml:"Conditions"`
	Globals    struct {
		Function opsFunction `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string    `yaml:"Type"`
		Condition  string    `yaml:"Condition"`
		Properties yaml.Node `yaml:"Properties"`
	} `yaml:"Resources"`
}

// opsFunction holds the properties of a function (or of Globals.Function)
// that operations need.
type opsFunction struct {
	AutoPublishAlias     string `yaml:"AutoPublishAlias"`
	DeploymentPreference *struct {
		Type   yaml.Node `yaml:"Type"`
		Alarms []string  `yaml:"Alarms"`
	} `yaml:"DeploymentPreference"`
	Tracing     string `yaml:"Tracing"`
	Environment struct {
		Variables map[string]string `yaml:"Variables"`
	} `yaml:"Environment"`
	Events functionEvents `yaml:"Events"`
}

// opsAlarm is an AWS::CloudWatch::Alarm: one metric, or metric math over
// several (Metrics).
type opsAlarm struct {
	AlarmName         string    `yaml:"AlarmName"`
	AlarmDescription  string    `yaml:"AlarmDescription"`
	AlarmActions      []string  `yaml:"AlarmActions"`
	OKActions         []string  `yaml:"OKActions"`
	Threshold         string    `yaml:"Threshold"`
	Statistic         string    `yaml:"Statistic"`
	ExtendedStatistic string    `yaml:"ExtendedStatistic"`
	Namespace         string    `yaml:"Namespace"`
	MetricName        string    `yaml:"MetricName"`
	Dimensions        []opsDim  `yaml:"Dimensions"`
	Metrics           []opsMath `yaml:"Metrics"`
}

type opsMath struct {
	ID         string `yaml:"Id"`
	Expression string `yaml:"Expression"`
	MetricStat struct {
		Metric struct {
			Namespace  string   `yaml:"Namespace"`
			MetricName string   `yaml:"MetricName"`
			Dimensions []opsDim `yaml:"Dimensions"`
		} `yaml:"Metric"`
		Stat string `yaml:"Stat"`
	} `yaml:"MetricStat"`
}

type opsDim struct {
	Name  string `yaml:"Name"`
	Value string `yaml:"Value"`
}

// watched is one metric an alarm or a dashboard widget reads.
type watched struct {
	Namespace, Name string
	// Dimensions by name; the value is as the template writes it (a
	// parameter or resource name for a !Ref).
	Dimensions map[string]string
}

// metrics returns the metrics alarm a reads.
func (a opsAlarm) metrics() []watched {
	dims := func(ds []opsDim) map[string]string {
		m := map[string]string{}
		for _, d := range ds {
			m[d.Name] = d.Value
		}
		return m
	}
	var out []watched
	if a.MetricName != "" {
		out = append(out, watched{a.Namespace, a.MetricName, dims(a.Dimensions)})
	}
	for _, m := range a.Metrics {
		if m.Expression == "" {
			s := m.MetricStat.Metric
			out = append(out, watched{s.Namespace, s.MetricName, dims(s.Dimensions)})
		}
	}
	return out
}

func readOpsTemplate(t *testing.T) opsTemplate {
	t.Helper()
	b, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl opsTemplate
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	return tpl
}

// ofType decodes the properties of every resource of type typ.
func ofType[T any](t *testing.T, tpl opsTemplate, typ string) map[string]T {
	t.Helper()
	out := map[string]T{}
	for id, r := range tpl.Resources {
		if r.Type != typ {
			continue
		}
		var p T
		if err := r.Properties.Decode(&p); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		out[id] = p
	}
	if len(out) == 0 {
		t.Fatalf("template.yaml has no %s: the check would pass vacuously", typ)
	}
	return out
}

// scalars returns every scalar under n: the literal strings an intrinsic
// function (!If, !Sub) may choose from.
func scalars(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalars(c)...)
	}
	return out
}

// TestEveryFunctionShiftsTrafficThroughItsAlias fails when a function
// deploys without the alias "live" (the HTTP API would call $LATEST, so a
// new version takes every request at once) or without a CodeDeploy
// deployment preference whose type comes from the DeploymentType
// parameter, or when the stages' defaults stop being a canary in prod and
// all at once in dev.
func TestEveryFunctionShiftsTrafficThroughItsAlias(t *testing.T) {
	tpl := readOpsTemplate(t)
	global := tpl.Globals.Function
	for id, fn := range ofType[opsFunction](t, tpl, "AWS::Serverless::Function") {
		if alias := cmp.Or(fn.AutoPublishAlias, global.AutoPublishAlias); alias != "live" {
			t.Errorf("%s: AutoPublishAlias %q, want live", id, alias)
		}
		if global.DeploymentPreference == nil || (fn.DeploymentPreference != nil && fn.DeploymentPreference.Type.Kind != 0) {
			t.Errorf("%s: no DeploymentPreference from Globals, or a Type of its own (the DeploymentType parameter decides for every function)", id)
		}
	}

	// The type: the parameter, through CodeDeploy's names for Lambda.
	pref := global.DeploymentPreference
	if pref == nil {
		t.Fatal("Globals.Function has no DeploymentPreference")
	}
	choices := scalars(&pref.Type)
	for _, want := range []string{
		"CodeDeployDefault.Lambda${DeploymentType}",
		"CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"CodeDeployDefault.LambdaAllAtOnce",
	} {
		if !slices.Contains(choices, want) {
			t.Errorf("DeploymentPreference.Type %v does not choose %s", choices, want)
		}
	}
	param := tpl.Parameters["DeploymentType"]
	for _, v := range param.AllowedValues {
		if v != "StageDefault" && !codeDeployLambdaConfig.MatchString(v) {
			t.Errorf("DeploymentType allows %q, which is no CodeDeployDefault.Lambda<type>", v)
		}
	}
	for _, v := range []string{"StageDefault", "AllAtOnce", "Canary10Percent5Minutes", "Linear10PercentEvery1Minute"} {
		if !slices.Contains(param.AllowedValues, v) {
			t.Errorf("DeploymentType does not allow %s", v)
		}
	}
	if param.Default != "StageDefault" {
		t.Errorf("DeploymentType defaults to %q, want StageDefault (a canary in prod even when a deploy names no type)", param.Default)
	}

	// samconfig.toml's environments say it too.
	b, err := os.ReadFile("samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	for env, want := range map[string]string{"default": "DeploymentType=AllAtOnce", "prod": "DeploymentType=Canary10Percent5Minutes"} {
		m := regexp.MustCompile(`(?ms)^\[` + env + `\.deploy\.parameters\].*?^parameter_overrides = "([^"]*)"`).FindStringSubmatch(string(b))
		if m == nil || !slices.Contains(strings.Fields(m[1]), want) {
			t.Errorf("samconfig.toml [%s.deploy.parameters] does not override %s", env, want)
		}
	}
}

// CodeDeploy's predefined Lambda configurations.
var codeDeployLambdaConfig = regexp.MustCompile(`^(AllAtOnce|Canary10Percent(5|10|15|30)Minutes|Linear10PercentEvery(1|2|3|10)Minutes?)$`)

// TestEveryAlarmSaysWhatItMeansAndGoesToTheTopic fails when an alarm has
// no name of the stack's or no description (the e-mail is all an on-call
// person sees first), does not notify the one alarm topic when it fires
// and when it clears, or compares with a threshold that is not a
// parameter with a default; or when the topic's e-mail subscription is not
// conditional on an address being given.
func TestEveryAlarmSaysWhatItMeansAndGoesToTheTopic(t *testing.T) {
	tpl := readOpsTemplate(t)
	const topic = "AlarmTopic"
	if tpl.Resources[topic].Type != "AWS::SNS::Topic" {
		t.Fatalf("%s is %q, want AWS::SNS::Topic", topic, tpl.Resources[topic].Type)
	}
	for id, a := range ofType[opsAlarm](t, tpl, "AWS::CloudWatch::Alarm") {
		if !strings.HasPrefix(a.AlarmName, "${AWS::StackName}-") {
			t.Errorf("%s: AlarmName %q, want !Sub \"${AWS::StackName}-…\" (which stack, in the e-mail's subject)", id, a.AlarmName)
		}
		if len(a.AlarmDescription) < 40 {
			t.Errorf("%s: AlarmDescription %q says too little", id, a.AlarmDescription)
		}
		if !slices.Equal(a.AlarmActions, []string{topic}) || !slices.Equal(a.OKActions, []string{topic}) {
			t.Errorf("%s: AlarmActions %v, OKActions %v, want [%s] both", id, a.AlarmActions, a.OKActions, topic)
		}
		if p, ok := tpl.Parameters[a.Threshold]; !ok || p.Type != "Number" || p.Default == "" {
			t.Errorf("%s: Threshold %q is not a Number parameter with a default", id, a.Threshold)
		}
		if len(a.metrics()) == 0 {
			t.Errorf("%s watches no metric", id)
		}
	}
	subs := ofType[struct {
		TopicArn string `yaml:"TopicArn"`
		Protocol string `yaml:"Protocol"`
		Endpoint string `yaml:"Endpoint"`
	}](t, tpl, "AWS::SNS::Subscription")
	for id, s := range subs {
		cond := tpl.Resources[id].Condition
		if s.TopicArn != topic || s.Protocol != "email" || s.Endpoint != "AlarmEmail" || cond == "" ||
			!slices.Contains(scalars(ptr(tpl.Conditions[cond])), "AlarmEmail") {
			t.Errorf("%s: %+v (Condition %q), want an e-mail subscription of %s to !Ref AlarmEmail under a condition on it", id, s, cond, topic)
		}
	}
	if p := tpl.Parameters["AlarmEmail"]; p.Default != "" {
		t.Errorf("AlarmEmail defaults to %q, want empty (no subscription)", p.Default)
	}
}

func ptr[T any](v T) *T { return &v }

// awsMetrics are the AWS metrics the alarms and the dashboard may read,
// with the dimension set each is published under (AWS documentation:
// Lambda function metrics; HTTP API metrics, whose names differ from the
// REST API's 5XXError; DynamoDB metrics, ThrottledRequests and SystemErrors
// per operation only). A name or dimension set outside it would be a
// metric that no service publishes: an alarm forever without data.
var awsMetrics = map[string]map[string][]string{
	"AWS/Lambda": {
		"Errors": {"FunctionName"}, "Throttles": {"FunctionName"}, "Invocations": {"FunctionName"},
		"Duration": {"FunctionName"}, "ConcurrentExecutions": {"FunctionName"},
		// Stream-fed functions: how far behind the stream's newest record.
		"IteratorAge": {"FunctionName"},
	},
	"AWS/SQS": {
		"ApproximateNumberOfMessagesVisible": {"QueueName"}, "NumberOfMessagesSent": {"QueueName"},
	},
	"AWS/ApiGateway": {
		"Count": {"ApiId", "Stage"}, "4xx": {"ApiId", "Stage"}, "5xx": {"ApiId", "Stage"},
		"Latency": {"ApiId", "Stage"}, "IntegrationLatency": {"ApiId", "Stage"},
	},
	"AWS/DynamoDB": {
		"ThrottledRequests": {"Operation", "TableName"}, "SystemErrors": {"Operation", "TableName"},
		"ConsumedReadCapacityUnits": {"TableName"}, "ConsumedWriteCapacityUnits": {"TableName"},
		"ReadThrottleEvents": {"TableName"}, "WriteThrottleEvents": {"TableName"},
	},
}

// ourNamespace is the namespace the template gives the functions
// (METRICS_NAMESPACE), as the template writes it.
const ourNamespace = metrics.DefaultNamespace + "/${AWS::StackName}"

// checkWatched fails the test for a metric that nothing publishes: of our
// namespace, a name or dimension set not in metrics.Published, a route that
// is not a route, a status class that is not one; of AWS's, one not in
// awsMetrics.
func checkWatched(t *testing.T, who string, w watched) {
	t.Helper()
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range w.Dimensions {
			if !yield(k) {
				return
			}
		}
	})
	if w.Namespace == ourNamespace {
		i := slices.IndexFunc(metrics.Published(), func(m metrics.Metric) bool { return m.Name == w.Name })
		if i < 0 {
			t.Errorf("%s reads %s, which pkg/metrics does not publish", who, w.Name)
			return
		}
		m := metrics.Published()[i]
		if !slices.ContainsFunc(m.Dimensions, func(set []string) bool { return slices.Equal(slices.Sorted(slices.Values(set)), names) }) {
			t.Errorf("%s reads %s by %v; pkg/metrics publishes it by %v", who, w.Name, names, m.Dimensions)
		}
		if r, ok := w.Dimensions[metrics.Route]; ok && !slices.Contains(routeKeys(), r) {
			t.Errorf("%s reads %s of route %q, which is no route", who, w.Name, r)
		}
		if c, ok := w.Dimensions[metrics.StatusClass]; ok && !slices.Contains([]string{"2xx", "3xx", "4xx", "5xx"}, c) {
			t.Errorf("%s reads %s of status class %q", who, w.Name, c)
		}
		return
	}
	want, ok := awsMetrics[w.Namespace][w.Name]
	if !ok || !slices.Equal(slices.Sorted(slices.Values(want)), names) {
		t.Errorf("%s reads %s %s by %v, which AWS does not publish (known: %v)", who, w.Namespace, w.Name, names, awsMetrics[w.Namespace])
	}
}

// routeKeys are every route key a request line can carry.
func routeKeys() []string {
	keys := slices.Clone(console.RouteKeys)
	for _, r := range api.Routes() {
		keys = append(keys, r.Key())
	}
	return keys
}

// TestAlarmsWatchWhatIsPublished fails when an alarm reads a metric that
// nothing publishes: a name, dimension set, route or namespace of ours
// that pkg/metrics does not write, or an AWS metric by a name or
// dimensions AWS does not use. Such an alarm never fires.
func TestAlarmsWatchWhatIsPublished(t *testing.T) {
	tpl := readOpsTemplate(t)
	if got := tpl.Globals.Function.Environment.Variables["METRICS_NAMESPACE"]; got != ourNamespace {
		t.Fatalf("METRICS_NAMESPACE is %q, want %q", got, ourNamespace)
	}
	ours := 0
	for id, a := range ofType[opsAlarm](t, tpl, "AWS::CloudWatch::Alarm") {
		for _, w := range a.metrics() {
			if w.Namespace == ourNamespace {
				ours++
			}
			checkWatched(t, id, w)
		}
	}
	if ours == 0 {
		t.Error("no alarm reads the request lines' metrics")
	}
}

// TestEveryFunctionHasItsAlarms fails when a function lacks an alarm on
// its failed invocations, on its routes' 5xx answers or on its throttles,
// or when its deployment would not roll back on the first two.
func TestEveryFunctionHasItsAlarms(t *testing.T) {
	tpl := readOpsTemplate(t)
	alarms := ofType[opsAlarm](t, tpl, "AWS::CloudWatch::Alarm")
	find := func(pred func(opsAlarm) bool) []string {
		var ids []string
		for id, a := range alarms {
			if pred(a) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	for id, fn := range ofType[opsFunction](t, tpl, "AWS::Serverless::Function") {
		var routes []string
		for _, ev := range fn.Events {
			if ev.Type == "HttpApi" {
				routes = append(routes, strings.ToUpper(ev.Properties.Method)+" "+ev.Properties.Path)
			}
		}
		slices.Sort(routes)
		lambda := func(metric string) func(opsAlarm) bool {
			return func(a opsAlarm) bool {
				ws := a.metrics()
				return len(ws) == 1 && ws[0].Namespace == "AWS/Lambda" && ws[0].Name == metric && ws[0].Dimensions["FunctionName"] == id
			}
		}
		serverErrors := func(a opsAlarm) bool {
			var got []string
			for _, w := range a.metrics() {
				if w.Namespace != ourNamespace || w.Name != metrics.Latency || w.Dimensions[metrics.StatusClass] != "5xx" {
					return false
				}
				got = append(got, w.Dimensions[metrics.Route])
			}
			slices.Sort(got)
			return slices.Equal(got, routes)
		}
		errs, throttles := find(lambda("Errors")), find(lambda("Throttles"))
		want := map[string][]string{"Errors": errs, "Throttles": throttles}
		var fives []string
		if routes != nil { // a function of the HTTP API answers
			fives = find(serverErrors)
			want["5xx of "+strings.Join(routes, ", ")] = fives
		}
		for what, ids := range want {
			if len(ids) != 1 {
				t.Errorf("%s: %d alarms on its %s (%v), want 1", id, len(ids), what, ids)
			}
		}
		var rollback []string
		if fn.DeploymentPreference != nil {
			rollback = fn.DeploymentPreference.Alarms
		}
		for _, a := range append(errs, fives...) {
			if !slices.Contains(rollback, a) {
				t.Errorf("%s: DeploymentPreference.Alarms %v leave out %s: a bad version would not roll back on it", id, rollback, a)
			}
		}
	}
}

// TestTableAlarmsCoverEveryOperationTheStoreCalls fails when the table's
// throttle or system-error alarm leaves out an operation pkg/store calls
// (DynamoDB publishes both metrics per operation only), or names one it
// does not.
func TestTableAlarmsCoverEveryOperationTheStoreCalls(t *testing.T) {
	files, err := filepath.Glob("pkg/store/*.go")
	if err != nil {
		t.Fatal(err)
	}
	input := regexp.MustCompile(`dynamodb\.([A-Za-z]+)Input\b`)
	var want []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range input.FindAllStringSubmatch(string(b), -1) {
			// Item operations only: table management (CreateTable,
			// DescribeTable, UpdateTimeToLive) is local setup.
			if op := m[1]; !strings.Contains(op, "Table") && !strings.Contains(op, "TimeToLive") && !slices.Contains(want, op) {
				want = append(want, op)
			}
		}
	}
	slices.Sort(want)
	if len(want) < 3 {
		t.Fatalf("found only %v in pkg/store", want)
	}
	tpl := readOpsTemplate(t)
	alarms := ofType[opsAlarm](t, tpl, "AWS::CloudWatch::Alarm")
	for _, metric := range []string{"ThrottledRequests", "SystemErrors"} {
		found := 0
		for id, a := range alarms {
			var ops []string
			for _, w := range a.metrics() {
				if w.Namespace == "AWS/DynamoDB" && w.Name == metric && w.Dimensions["TableName"] == "ClientsTable" {
					ops = append(ops, w.Dimensions["Operation"])
				}
			}
			if ops == nil {
				continue
			}
			found++
			slices.Sort(ops)
			if !slices.Equal(ops, want) {
				t.Errorf("%s sums %s of %v; pkg/store calls %v", id, metric, ops, want)
			}
		}
		if found != 1 {
			t.Errorf("%d alarms on the table's %s, want 1", found, metric)
		}
	}
}
