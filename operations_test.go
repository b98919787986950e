package adminapi_test

import (
	"cmp"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// opsTemplate is the part of template.yaml the operations tests read:
// deployments, alarms, the dashboard. Values that may be an intrinsic
// function (!If, !Sub) are yaml.Nodes, read with the helpers below.
type opsTemplate struct {
	Parameters map[string]struct {
		Default       string   `yaml:"Default"`
		AllowedValues []string `yaml:"AllowedValues"`
		Description   string   `yaml:"Description"`
	} `yaml:"Parameters"`
	Globals struct {
		Function opsFunction `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string      `yaml:"Type"`
		Condition  string      `yaml:"Condition"`
		Properties opsFunction `yaml:"Properties"`
	} `yaml:"Resources"`
}

// opsFunction holds the properties of a function (or of Globals.Function)
// that deployments need.
type opsFunction struct {
	AutoPublishAlias     string `yaml:"AutoPublishAlias"`
	DeploymentPreference *struct {
		Type   yaml.Node `yaml:"Type"`
		Alarms []string  `yaml:"Alarms"`
	} `yaml:"DeploymentPreference"`
	Tracing string `yaml:"Tracing"`
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
	var functions int
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		functions++
		alias := cmp.Or(r.Properties.AutoPublishAlias, global.AutoPublishAlias)
		if alias != "live" {
			t.Errorf("%s: AutoPublishAlias %q, want live", id, alias)
		}
		pref := cmp.Or(r.Properties.DeploymentPreference, global.DeploymentPreference)
		if pref == nil || (r.Properties.DeploymentPreference != nil && r.Properties.DeploymentPreference.Type.Kind != 0) {
			t.Errorf("%s: no DeploymentPreference, or a Type of its own (the DeploymentType parameter decides for every function)", id)
		}
	}
	if functions == 0 {
		t.Fatal("template.yaml has no functions: the check would pass vacuously")
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
