package adminapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/console"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// template is the part of template.yaml these tests read. CloudFormation's
// short-form tags (!Ref, !GetAtt) decode as their plain values.
type template struct {
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			// AWS::DynamoDB::Table
			AttributeDefinitions []struct {
				AttributeName string `yaml:"AttributeName"`
				AttributeType string `yaml:"AttributeType"`
			} `yaml:"AttributeDefinitions"`
			KeySchema              []keyElement `yaml:"KeySchema"`
			GlobalSecondaryIndexes []struct {
				IndexName  string       `yaml:"IndexName"`
				KeySchema  []keyElement `yaml:"KeySchema"`
				Projection struct {
					ProjectionType   string   `yaml:"ProjectionType"`
					NonKeyAttributes []string `yaml:"NonKeyAttributes"`
				} `yaml:"Projection"`
			} `yaml:"GlobalSecondaryIndexes"`
			StreamSpecification struct {
				StreamViewType string `yaml:"StreamViewType"`
			} `yaml:"StreamSpecification"`
			TimeToLiveSpecification struct {
				AttributeName string `yaml:"AttributeName"`
				Enabled       bool   `yaml:"Enabled"`
			} `yaml:"TimeToLiveSpecification"`
			// AWS::Serverless::HttpApi
			DefaultRouteSettings routeSettings            `yaml:"DefaultRouteSettings"`
			RouteSettings        map[string]routeSettings `yaml:"RouteSettings"`
			AccessLogSettings    struct {
				DestinationArn string `yaml:"DestinationArn"`
				Format         string `yaml:"Format"`
			} `yaml:"AccessLogSettings"`
			// AWS::Serverless::Function
			Events        functionEvents `yaml:"Events"`
			LoggingConfig struct {
				LogGroup string `yaml:"LogGroup"`
			} `yaml:"LoggingConfig"`
			Policies []struct {
				Statement []statement `yaml:"Statement"`
			} `yaml:"Policies"`
			// AWS::Logs::LogGroup
			RetentionInDays string `yaml:"RetentionInDays"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
	Parameters map[string]struct {
		Default string `yaml:"Default"`
	} `yaml:"Parameters"`
}

// statement is an IAM policy statement; Action and Resource are a string
// or a list in IAM's grammar, read here as lists.
// functionEvents are a function's Events: the route of each HttpApi event.
type functionEvents map[string]struct {
	Type       string `yaml:"Type"`
	Properties struct {
		Path   string `yaml:"Path"`
		Method string `yaml:"Method"`
	} `yaml:"Properties"`
}

type routeSettings struct {
	ThrottlingBurstLimit int `yaml:"ThrottlingBurstLimit"`
	ThrottlingRateLimit  int `yaml:"ThrottlingRateLimit"`
}

type statement struct {
	Action    yamlList                       `yaml:"Action"`
	Resource  yamlList                       `yaml:"Resource"`
	Condition map[string]map[string]yamlList `yaml:"Condition"`
}

type yamlList []string

func (l *yamlList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = yamlList{n.Value}
		return nil
	}
	var s []string
	err := n.Decode(&s)
	*l = s
	return err
}

type keyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

func readTemplate(t *testing.T) template {
	t.Helper()
	b, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	return tpl
}

func keys(ks []keyElement) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.AttributeName+" "+k.KeyType)
	}
	return out
}

// TestTemplateTableIsTheStoreSchema fails when the table deployments get
// (template.yaml) differs from the one the code creates for local runs and
// tests (store.Schema): keys, attribute types, indexes, projections.
func TestTemplateTableIsTheStoreSchema(t *testing.T) {
	tpl := readTemplate(t)
	var found int
	for name, r := range tpl.Resources {
		if r.Type != "AWS::DynamoDB::Table" {
			continue
		}
		found++
		want := store.Schema("table")
		p := r.Properties
		var gotAttrs, wantAttrs []string
		for _, a := range p.AttributeDefinitions {
			gotAttrs = append(gotAttrs, a.AttributeName+" "+a.AttributeType)
		}
		for _, a := range want.AttributeDefinitions {
			wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
		}
		sort.Strings(gotAttrs)
		sort.Strings(wantAttrs)
		if !slices.Equal(gotAttrs, wantAttrs) {
			t.Errorf("%s attributes: template %v, code %v", name, gotAttrs, wantAttrs)
		}
		var wantKeys []string
		for _, k := range want.KeySchema {
			wantKeys = append(wantKeys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		if got := keys(p.KeySchema); !slices.Equal(got, wantKeys) {
			t.Errorf("%s key schema: template %v, code %v", name, got, wantKeys)
		}
		if got, code := p.StreamSpecification.StreamViewType, string(want.StreamSpecification.StreamViewType); got != code {
			t.Errorf("%s stream: template %q, code %q (the history writer needs both images)", name, got, code)
		}
		if len(p.GlobalSecondaryIndexes) != len(want.GlobalSecondaryIndexes) {
			t.Errorf("%s has %d indexes in the template, %d in the code", name, len(p.GlobalSecondaryIndexes), len(want.GlobalSecondaryIndexes))
		}
		for _, wi := range want.GlobalSecondaryIndexes {
			i := slices.IndexFunc(p.GlobalSecondaryIndexes, func(g struct {
				IndexName  string       `yaml:"IndexName"`
				KeySchema  []keyElement `yaml:"KeySchema"`
				Projection struct {
					ProjectionType   string   `yaml:"ProjectionType"`
					NonKeyAttributes []string `yaml:"NonKeyAttributes"`
				} `yaml:"Projection"`
			}) bool {
				return g.IndexName == aws.ToString(wi.IndexName)
			})
			if i < 0 {
				t.Errorf("index %s is in the code, not in the template", aws.ToString(wi.IndexName))
				continue
			}
			g := p.GlobalSecondaryIndexes[i]
			var wk []string
			for _, k := range wi.KeySchema {
				wk = append(wk, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
			}
			if got := keys(g.KeySchema); !slices.Equal(got, wk) {
				t.Errorf("index %s keys: template %v, code %v", g.IndexName, got, wk)
			}
			if g.Projection.ProjectionType != string(wi.Projection.ProjectionType) {
				t.Errorf("index %s projection: template %s, code %s", g.IndexName, g.Projection.ProjectionType, wi.Projection.ProjectionType)
			}
			gotP, wantP := slices.Clone(g.Projection.NonKeyAttributes), slices.Clone(wi.Projection.NonKeyAttributes)
			sort.Strings(gotP)
			sort.Strings(wantP)
			if !slices.Equal(gotP, wantP) {
				t.Errorf("index %s projects %v in the template, %v in the code", g.IndexName, gotP, wantP)
			}
		}
	}
	if found != 1 {
		t.Fatalf("template.yaml declares %d tables, want 1", found)
	}
}

// TestTemplateTableTimeToLive fails when the template's TTL setting differs
// from the one store.CreateTable applies to local tables (the sign-in
// attempt counters expire by it).
func TestTemplateTableTimeToLive(t *testing.T) {
	want := store.TimeToLive()
	for name, r := range readTemplate(t).Resources {
		if r.Type != "AWS::DynamoDB::Table" {
			continue
		}
		got := r.Properties.TimeToLiveSpecification
		if got.AttributeName != aws.ToString(want.AttributeName) || got.Enabled != aws.ToBool(want.Enabled) {
			t.Errorf("%s TimeToLiveSpecification = %+v, code %s enabled %v", name, got, aws.ToString(want.AttributeName), aws.ToBool(want.Enabled))
		}
	}
}

// singleCallerRate is more requests a second than one caller sends: a
// laptop signs in about 2,300 times a second against make run's loopback
// (issue 24's measure), fewer through the internet.
const singleCallerRate = 5000

// TestNoSingleCallerCanExhaustAThrottle: the HTTP API's throttles are
// shared by every caller, so each route's limit (the default, and any
// route's own) is above what one caller can send: a limit one address can
// reach would let it deny the route to everybody (issue 23 item 2). What
// bounds one caller is the sign-in lockout, per account and address and per
// address (e2e's TestSignInLockoutHoldsUnderConcurrency).
func TestNoSingleCallerCanExhaustAThrottle(t *testing.T) {
	var checked int
	for name, r := range readTemplate(t).Resources {
		if r.Type != "AWS::Serverless::HttpApi" {
			continue
		}
		checked++
		def := r.Properties.DefaultRouteSettings
		if def.ThrottlingRateLimit < singleCallerRate || def.ThrottlingBurstLimit < singleCallerRate {
			t.Errorf("%s: default throttling %+v, under %d a second: one caller can exhaust it", name, def, singleCallerRate)
		}
		for key, got := range r.Properties.RouteSettings {
			if got.ThrottlingRateLimit < singleCallerRate || got.ThrottlingBurstLimit < singleCallerRate {
				t.Errorf("%s: %s throttling %+v, under %d a second: one caller can exhaust it", name, key, got, singleCallerRate)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no HTTP API checked")
	}
}

var (
	makeFunction = regexp.MustCompile(`(?m)^FN_([A-Za-z0-9]+) := ([a-z0-9-]+)$`)
	startRoute   = regexp.MustCompile(`app\.Start\(api\.([A-Za-z]+)\)`)
	startConsole = regexp.MustCompile(`(?m)^\s*console\.Start\(\)$`)
)

// consoleFolder is the one function that serves no api.Routes route: the
// admin console's static files (console.RouteKeys), started by
// console.Start().
const consoleFolder = "console"

// historyWriterFolder is the function the table's stream invokes: no
// route, one DynamoDB event on ClientsTable's stream.
const historyWriterFolder = "history-writer"

var startHistoryWriter = regexp.MustCompile(`(?m)^\s*app\.StartHistoryWriter\(\)$`)

// TestRoutesAgree fails when the four places that name the routes
// disagree: the route table (api.Routes), the template's functions and
// their HttpApi events, the Makefile's build map (FN_<LogicalId>), and the
// folders of functions/ with the route each main starts. The console's
// function is held to console.RouteKeys instead of api.Routes.
func TestRoutesAgree(t *testing.T) {
	byKey := map[string]api.Route{}
	byFunction := map[string]api.Route{}
	for _, r := range api.Routes() {
		byKey[r.Key()] = r
		byFunction[r.Function] = r
	}

	// The Makefile's map from template logical ids to folders.
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	folderOf := map[string]string{}
	for _, m := range makeFunction.FindAllStringSubmatch(string(mk), -1) {
		folderOf[m[1]] = m[2]
	}

	// Every template function serves exactly one route, from the folder
	// the Makefile builds it from, and that route's Function names it.
	tpl := readTemplate(t)
	served := map[string]bool{}
	consoleIn, historyIn := 0, 0
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		folder, ok := folderOf[id]
		if !ok {
			t.Errorf("template function %s has no FN_%s line in the Makefile", id, id)
		}
		delete(folderOf, id)
		if folder == consoleFolder {
			consoleIn++
			var got []string
			for _, ev := range r.Properties.Events {
				key := strings.ToUpper(ev.Properties.Method) + " " + ev.Properties.Path
				if ev.Type != "HttpApi" {
					t.Errorf("template function %s: event type %s, want HttpApi", id, ev.Type)
				}
				if _, clash := byKey[key]; clash {
					t.Errorf("template function %s serves %s, an API route", id, key)
				}
				got = append(got, key)
			}
			sort.Strings(got)
			want := slices.Sorted(slices.Values(console.RouteKeys))
			if !slices.Equal(got, want) {
				t.Errorf("template function %s serves %v, console.RouteKeys says %v", id, got, want)
			}
			continue
		}
		if len(r.Properties.Events) != 1 {
			t.Errorf("template function %s has %d events, want 1", id, len(r.Properties.Events))
		}
		if folder == historyWriterFolder {
			for _, ev := range r.Properties.Events {
				if ev.Type != "DynamoDB" {
					t.Errorf("template function %s: event type %s, want DynamoDB (the table's stream)", id, ev.Type)
				}
			}
			historyIn++
			continue
		}
		for _, ev := range r.Properties.Events {
			key := strings.ToUpper(ev.Properties.Method) + " " + ev.Properties.Path
			rt, ok := byKey[key]
			switch {
			case ev.Type != "HttpApi":
				t.Errorf("template function %s: event type %s, want HttpApi", id, ev.Type)
			case !ok:
				t.Errorf("template function %s serves %s, which api.Routes does not have", id, key)
			case rt.Function != folder:
				t.Errorf("template function %s serves %s from functions/%s, but the route table says functions/%s", id, key, folder, rt.Function)
			}
			served[key] = true
		}
	}
	if consoleIn != 1 || historyIn != 1 {
		t.Errorf("template.yaml has %d functions built from functions/%s and %d from functions/%s, want 1 each",
			consoleIn, consoleFolder, historyIn, historyWriterFolder)
	}
	for id := range folderOf {
		t.Errorf("the Makefile maps FN_%s, which template.yaml does not have", id)
	}
	for key := range byKey {
		if !served[key] {
			t.Errorf("route %s has no function in template.yaml", key)
		}
	}

	// Every folder of functions/ starts the route whose Function it is.
	mains, err := filepath.Glob("functions/*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]api.Route{
		"UpdateClient": api.UpdateClient, "CreateClient": api.CreateClient, "ListClients": api.ListClients,
		"GetClient": api.GetClient, "DeleteClient": api.DeleteClient, "ResetSecret": api.ResetSecret, "ClientHistory": api.ClientHistory,
		"AdminLogin": api.AdminLogin, "ClientLogin": api.ClientLogin, "OAuthToken": api.OAuthToken,
		"GetOwnClient": api.GetOwnClient, "UpdateOwnClient": api.UpdateOwnClient,
	}
	if len(names) != len(byKey) {
		t.Fatalf("this test names %d routes, api.Routes has %d: add the new one here", len(names), len(byKey))
	}
	seen := map[string]bool{}
	for _, m := range mains {
		folder := filepath.Base(filepath.Dir(m))
		src, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if folder == consoleFolder {
			if !startConsole.Match(src) || startRoute.Match(src) {
				t.Errorf("%s does not start the console with console.Start()", m)
			}
			seen[folder] = true
			continue
		}
		if folder == historyWriterFolder {
			if !startHistoryWriter.Match(src) || startRoute.Match(src) {
				t.Errorf("%s does not start the history writer with app.StartHistoryWriter()", m)
			}
			continue
		}
		sm := startRoute.FindSubmatch(src)
		if sm == nil {
			t.Errorf("%s does not call app.Start(api.<Route>)", m)
			continue
		}
		rt, ok := names[string(sm[1])]
		switch {
		case !ok:
			t.Errorf("%s starts api.%s, which is not a route", m, sm[1])
		case rt.Function != folder:
			t.Errorf("%s starts %s, whose function is functions/%s", m, rt.Key(), rt.Function)
		}
		seen[folder] = true
	}
	for f, rt := range byFunction {
		if !seen[f] {
			t.Errorf("route %s names functions/%s, which does not exist", rt.Key(), f)
		}
	}
	if !seen[consoleFolder] {
		t.Errorf("functions/%s/main.go does not exist", consoleFolder)
	}
}

// TestEveryFunctionLogsToAGroupWithRetention fails when a function logs to
// Lambda's implicit log group (kept forever) instead of its own
// AWS::Logs::LogGroup whose retention is the LogRetentionInDays parameter.
func TestEveryFunctionLogsToAGroupWithRetention(t *testing.T) {
	tpl := readTemplate(t)
	if got := tpl.Parameters["LogRetentionInDays"].Default; got != "30" {
		t.Errorf("LogRetentionInDays defaults to %q, want 30", got)
	}
	groups := map[string]bool{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		g := r.Properties.LoggingConfig.LogGroup
		lg, ok := tpl.Resources[g]
		switch {
		case g == "":
			t.Errorf("%s has no LoggingConfig.LogGroup", id)
		case !ok || lg.Type != "AWS::Logs::LogGroup":
			t.Errorf("%s logs to %q, which is not a log group of the template", id, g)
		case lg.Properties.RetentionInDays != "LogRetentionInDays":
			t.Errorf("%s's log group %s keeps logs for %q, want !Ref LogRetentionInDays", id, g, lg.Properties.RetentionInDays)
		case groups[g]:
			t.Errorf("%s shares its log group %s with another function", id, g)
		}
		groups[g] = true
	}
	if len(groups) == 0 {
		t.Fatal("template.yaml has no functions: the check would pass vacuously")
	}
}

// TestTableAccessIsNarrowedByKeyPrefix fails when a function may touch
// table items (every DynamoDB action on the table itself, not an index)
// without a dynamodb:LeadingKeys condition naming the key prefixes it may
// touch: a compromised function could then write any item, e.g. the
// self-service function another client's email lock.
func TestTableAccessIsNarrowedByKeyPrefix(t *testing.T) {
	tpl := readTemplate(t)
	var checked int
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		for _, p := range r.Properties.Policies {
			for _, st := range p.Statement {
				if !slices.ContainsFunc(st.Action, func(a string) bool { return strings.HasPrefix(a, "dynamodb:") }) ||
					!slices.Contains(st.Resource, "ClientsTable.Arn") {
					continue
				}
				checked++
				prefixes := st.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
				if len(prefixes) == 0 {
					t.Errorf("%s may %v any item of the table: no ForAllValues:StringLike dynamodb:LeadingKeys condition", id, st.Action)
				}
				for _, k := range prefixes {
					if !keyPrefix.MatchString(k) {
						t.Errorf("%s: leading-key pattern %q is not one key prefix (like CLIENT#*)", id, k)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no function statement grants DynamoDB actions on the table: the check would pass vacuously")
	}
}

var keyPrefix = regexp.MustCompile(`^[A-Z_]+#\*$`)

// TestHTTPAPIWritesAccessLogs: one JSON line per request with what an
// incident needs, to a log group with the retention parameter, and nothing
// a request carries in its headers or body.
func TestHTTPAPIWritesAccessLogs(t *testing.T) {
	tpl := readTemplate(t)
	api := tpl.Resources["HttpApi"].Properties.AccessLogSettings
	group, _, _ := strings.Cut(api.DestinationArn, ".")
	if g, ok := tpl.Resources[group]; !ok || g.Type != "AWS::Logs::LogGroup" || g.Properties.RetentionInDays != "LogRetentionInDays" {
		t.Fatalf("access logs go to %q, want a log group of this template with RetentionInDays: !Ref LogRetentionInDays", api.DestinationArn)
	}
	var line map[string]string
	if err := json.Unmarshal([]byte(api.Format), &line); err != nil {
		t.Fatalf("Format is not one JSON object: %v", err)
	}
	for key, want := range map[string]string{
		"requestId": "$context.requestId", "sourceIp": "$context.identity.sourceIp", "routeKey": "$context.routeKey",
		"status": "$context.status", "responseLatencyMs": "$context.responseLatency", "userAgent": "$context.identity.userAgent",
	} {
		if line[key] != want {
			t.Errorf("access log %s = %q, want %q", key, line[key], want)
		}
	}
	for _, forbidden := range []string{"authorization", "$request.header", "$request.body", "$context.authorizer"} {
		if strings.Contains(strings.ToLower(api.Format), strings.ToLower(forbidden)) {
			t.Errorf("access log format holds %s", forbidden)
		}
	}
}
