package adminapi_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// The drift tests hold the documents that describe client fields by hand
// — openapi.yaml's request and response schemas, template.yaml's list
// projections and the console's form — to the field table
// (client.Fields). Each disagreement names the field and the place.

// schemaDoc is openapi.yaml as generic YAML, with $ref resolution inside
// components.schemas.
type schemaDoc struct {
	schemas map[string]any
}

func loadSchemas(t *testing.T) schemaDoc {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(readFile(t, "openapi.yaml"), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return schemaDoc{schemas: doc.Components.Schemas}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolve follows $ref to the schema it names; sibling keywords of the
// $ref win over the target's, as in OpenAPI 3.1.
func (d schemaDoc) resolve(s any) map[string]any {
	m, _ := s.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	out := map[string]any{}
	for k, v := range d.resolve(d.schemas[strings.TrimPrefix(ref, "#/components/schemas/")]) {
		out[k] = v
	}
	for k, v := range m {
		if k != "$ref" {
			out[k] = v
		}
	}
	return out
}

// object is the schema of one object: its properties and required list.
type object struct {
	props    map[string]map[string]any
	required []string
}

func (d schemaDoc) object(s map[string]any) object {
	o := object{props: map[string]map[string]any{}}
	if all, ok := s["allOf"].([]any); ok {
		for _, part := range all {
			sub := d.object(d.resolve(part))
			for k, v := range sub.props {
				o.props[k] = v
			}
			o.required = append(o.required, sub.required...)
		}
	}
	props, _ := s["properties"].(map[string]any)
	for k, v := range props {
		o.props[k] = d.resolve(v)
	}
	for _, r := range asList(s["required"]) {
		o.required = append(o.required, r)
	}
	return o
}

func asList(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// schemaUse is one schema of a client and what the table says it holds.
type schemaUse struct {
	name string
	// holds reports whether the schema has a property for f.
	holds func(f *client.Field) bool
	// nullable is whether f's property must accept null.
	nullable func(f *client.Field) bool
	// required is whether f's property is in the schema's required list.
	required func(f *client.Field) bool
	request  bool     // a request body: the rule's bounds are in the schema
	extra    []string // properties that are not fields of the table
}

var (
	always = func(*client.Field) bool { return true }
	never  = func(*client.Field) bool { return false }
)

// schemaUses are the schemas a field appears in: the admin update, the
// create, the client's own update, and the client as shown.
func schemaUses() []schemaUse {
	removable := func(f *client.Field) bool { return f.Removable }
	return []schemaUse{
		{name: "ClientUpdate", holds: always, nullable: removable, required: never, request: true, extra: []string{"clientId"}},
		{name: "ClientCreate", holds: always, request: true, extra: []string{"clientId", "clientSecret"},
			// A required field removed by null is missing: only the
			// optional removable ones take null on create.
			nullable: func(f *client.Field) bool { return f.Removable && !f.Required },
			required: func(f *client.Field) bool { return f.Required }},
		{name: "ClientOwnUpdate", holds: func(f *client.Field) bool { return f.ByClient }, nullable: removable, required: never,
			request: true, extra: []string{"clientId"}},
		{name: "Client", holds: always, nullable: never, extra: []string{"clientId", "createdAt", "updatedAt", "updatedBy"},
			// Shown always unless removed.
			required: func(f *client.Field) bool { return !f.Removable }},
	}
}

// schemaDrift lists every disagreement between openapi.yaml's client
// schemas and fields.
func schemaDrift(d schemaDoc, fields []*client.Field) []string {
	var out []string
	for _, use := range schemaUses() {
		s, ok := d.schemas[use.name]
		if !ok {
			out = append(out, fmt.Sprintf("openapi.yaml has no schema %s", use.name))
			continue
		}
		top := d.object(d.resolve(s))
		meta := d.object(top.props[client.MetaKey])
		where := func(f *client.Field) (object, string) {
			if f.Meta {
				return meta, use.name + "." + client.MetaKey
			}
			return top, use.name
		}
		for _, f := range fields {
			o, place := where(f)
			p, has := o.props[f.Name]
			switch {
			case has != use.holds(f):
				out = append(out, fmt.Sprintf("field %s: openapi.yaml %s has it: %v, the table says %v", f.Path, place, has, use.holds(f)))
				continue
			case !has:
				continue
			}
			if got := slices.Contains(asList(p["type"]), "null"); got != use.nullable(f) {
				out = append(out, fmt.Sprintf("field %s: openapi.yaml %s accepts null: %v, the table says %v", f.Path, place, got, use.nullable(f)))
			}
			if got := slices.Contains(o.required, f.Name); got != use.required(f) {
				out = append(out, fmt.Sprintf("field %s: openapi.yaml %s requires it: %v, the table says %v", f.Path, place, got, use.required(f)))
			}
			if use.request {
				out = append(out, ruleDrift(f, p, "openapi.yaml "+place)...)
			}
		}
		for _, x := range []struct {
			o      object
			prefix string
			extra  []string
		}{{top, "", append(slices.Clone(use.extra), client.MetaKey)}, {meta, client.MetaKey + ".", nil}} {
			for name := range x.o.props {
				if _, known := client.FieldAt(x.prefix + name); !known && !slices.Contains(x.extra, name) {
					out = append(out, fmt.Sprintf("field %s: in openapi.yaml %s, not in the field table", x.prefix+name, use.name))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// ruleDrift checks a request property against f's rule: the bounds of
// min/max, the pattern of a pattern rule, the values of oneof, the email
// format.
func ruleDrift(f *client.Field, p map[string]any, place string) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("field %s: %s: ", f.Path, place)+fmt.Sprintf(format, args...))
	}
	for _, tag := range strings.Split(f.Rule, ",") {
		name, param, _ := strings.Cut(tag, "=")
		switch name {
		case "max", "min":
			key := name + "Length"
			if got := fmt.Sprint(p[key]); got != param {
				bad("%s is %s, the rule says %s", key, got, param)
			}
		case "oneof":
			if got, want := asList(p["enum"]), strings.Fields(param); !slices.Equal(got, want) {
				bad("enum is %v, the rule says %v", got, want)
			}
		case "text":
			if p["x-plain-text"] != true {
				bad("x-plain-text is %v, the rule says text (no control, zero-width or bidi characters)", p["x-plain-text"])
			}
		case "email":
			if p["format"] != "email" {
				bad("format is %v, the rule says email", p["format"])
			}
		default:
			want, ok := client.RulePattern(name)
			if !ok {
				bad("rule %q has no description to compare", name)
				continue
			}
			// A removable field's pattern may also accept "" (its removal).
			got := fmt.Sprint(p["pattern"])
			if got != want && got != "^("+strings.TrimSuffix(strings.TrimPrefix(want, "^"), "$")+")?$" {
				bad("pattern is %s, the rule says %s", got, want)
			}
		}
	}
	return out
}

func TestOpenAPIClientSchemasFollowTheFieldTable(t *testing.T) {
	for _, drift := range schemaDrift(loadSchemas(t), client.Fields()) {
		t.Error(drift)
	}
}

// TestDriftTestsNameTheFieldAndThePlace: a field added to the table only
// is reported by every check, naming the field and where it is missing.
func TestDriftTestsNameTheFieldAndThePlace(t *testing.T) {
	extra := &client.Field{Name: "nickname", Path: "nickname", Attr: "nickname", Removable: true, ByClient: true,
		Rule: "max=50", Listed: true}
	fields := append(client.Fields(), extra)
	want := []string{
		"field nickname: openapi.yaml Client has it: false, the table says true",
		"field nickname: openapi.yaml ClientCreate has it: false, the table says true",
		"field nickname: openapi.yaml ClientOwnUpdate has it: false, the table says true",
		"field nickname: openapi.yaml ClientUpdate has it: false, the table says true",
	}
	if got := schemaDrift(loadSchemas(t), fields); !slices.Equal(got, want) {
		t.Errorf("openapi.yaml drift =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantTemplate := []string{
		"field nickname: template.yaml's index byCreated does not project nickname",
		"field nickname: template.yaml's index byStatus does not project nickname",
	}
	if got := projectionDrift(loadProjections(t), fields); !slices.Equal(got, wantTemplate) {
		t.Errorf("template.yaml drift =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantTemplate, "\n"))
	}
	wantConsole := []string{"field nickname: not in the console's form (pkg/console/static/fields.js FIELDS)"}
	if got := consoleDrift(loadConsoleFields(t), fields); !slices.Equal(got, wantConsole) {
		t.Errorf("console drift =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantConsole, "\n"))
	}
}

// projections are template.yaml's list indexes: each index's key
// attributes and projected attributes.
type projection struct {
	keys, projected []string
}

func loadProjections(t *testing.T) map[string]projection {
	t.Helper()
	var tpl template
	if err := yaml.Unmarshal(readFile(t, "template.yaml"), &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	out := map[string]projection{}
	for _, r := range tpl.Resources {
		for _, g := range r.Properties.GlobalSecondaryIndexes {
			if g.Projection.ProjectionType == "ALL" {
				// The history index holds event items, not clients: it
				// projects them whole (store.IndexHistory).
				continue
			}
			var p projection
			for _, k := range g.KeySchema {
				p.keys = append(p.keys, k.AttributeName)
			}
			p.projected = g.Projection.NonKeyAttributes
			out[g.IndexName] = p
		}
	}
	if len(out) == 0 {
		t.Fatal("template.yaml declares no index")
	}
	return out
}

// projectionDrift: every index projects each Listed field's attribute
// (clientMeta as a whole) unless it is one of the index's keys, and the
// search copy of each Searched field; an unlisted top-level field is not
// projected.
func projectionDrift(indexes map[string]projection, fields []*client.Field) []string {
	var out []string
	for name, idx := range indexes {
		for _, f := range fields {
			attr := f.Attr
			if f.Meta {
				attr = client.MetaKey
			}
			projected := slices.Contains(idx.projected, attr)
			switch {
			case slices.Contains(idx.keys, attr):
			case f.Listed && !projected:
				out = append(out, fmt.Sprintf("field %s: template.yaml's index %s does not project %s", f.Path, name, attr))
			case !f.Listed && !f.Meta && projected:
				out = append(out, fmt.Sprintf("field %s: template.yaml's index %s projects %s, which the table does not list", f.Path, name, attr))
			}
			if f.Searched && !slices.Contains(idx.projected, f.SearchAttr()) {
				out = append(out, fmt.Sprintf("field %s: template.yaml's index %s does not project its search copy %s", f.Path, name, f.SearchAttr()))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestTemplateProjectionsFollowTheFieldTable(t *testing.T) {
	for _, drift := range projectionDrift(loadProjections(t), client.Fields()) {
		t.Error(drift)
	}
}

// consoleField is one entry of the console's FIELDS table.
type consoleField struct {
	key, path                      string
	required, createOnly, nullable bool
	max                            int // 0: none
}

var (
	consoleEntry = regexp.MustCompile(`(?m)^\s*\{ key: '([^']+)', path: '([^']+)'(.*)\},?$`)
	consoleMax   = regexp.MustCompile(`\bmax: (\d+)`)
)

func loadConsoleFields(t *testing.T) map[string]consoleField {
	t.Helper()
	src := string(readFile(t, "pkg/console/static/fields.js"))
	start := strings.Index(src, "export const FIELDS = [")
	end := strings.Index(src[max(start, 0):], "];")
	if start < 0 || end < 0 {
		t.Fatal("pkg/console/static/fields.js: no FIELDS table")
	}
	out := map[string]consoleField{}
	for _, m := range consoleEntry.FindAllStringSubmatch(src[start:start+end], -1) {
		c := consoleField{key: m[1], path: m[2], required: strings.Contains(m[3], "required: true"),
			createOnly: strings.Contains(m[3], "createOnly: true"), nullable: strings.Contains(m[3], "nullable: true")}
		if mm := consoleMax.FindStringSubmatch(m[3]); mm != nil {
			c.max, _ = strconv.Atoi(mm[1])
		}
		out[c.path] = c
	}
	if len(out) == 0 {
		t.Fatal("pkg/console/static/fields.js: no entry of FIELDS read")
	}
	return out
}

// maxLength is the longest value f's rule allows, 0 when it states none
// the form could enforce: max=N, or a pattern's {1,N}.
func maxLength(f *client.Field) int {
	for _, tag := range strings.Split(f.Rule, ",") {
		name, param, _ := strings.Cut(tag, "=")
		if name == "max" {
			n, _ := strconv.Atoi(param)
			return n
		}
		if p, ok := client.RulePattern(name); ok && !strings.HasPrefix(p, `^\+`) {
			if m := regexp.MustCompile(`\{1,(\d+)\}\$$`).FindStringSubmatch(p); m != nil {
				n, _ := strconv.Atoi(m[1])
				return n
			}
		}
	}
	return 0
}

// consoleDrift: the form has an input for every field but those chosen
// from a list (a oneof rule: status, a select of its own), keyed by its
// JSON name, required on both forms when the table requires it and null
// cannot remove it, required on create only when null removes it
// afterwards (createOnly), sent as null when emptied where null removes
// it, and bounded as the rule bounds it.
func consoleDrift(form map[string]consoleField, fields []*client.Field) []string {
	var out []string
	for _, f := range fields {
		if strings.HasPrefix(f.Rule, "oneof=") {
			if _, ok := form[f.Path]; ok {
				out = append(out, fmt.Sprintf("field %s: a list of values, yet an input of the console's form", f.Path))
			}
			continue
		}
		c, ok := form[f.Path]
		if !ok {
			out = append(out, fmt.Sprintf("field %s: not in the console's form (pkg/console/static/fields.js FIELDS)", f.Path))
			continue
		}
		bad := func(what string, got, want any) {
			out = append(out, fmt.Sprintf("field %s: the console's form says %s %v, the table %v", f.Path, what, got, want))
		}
		if c.key != f.Name {
			bad("key", c.key, f.Name)
		}
		if want := f.Required && !f.Removable; c.required != want {
			bad("required", c.required, want)
		}
		if want := f.Required && f.Removable; c.createOnly != want {
			bad("createOnly", c.createOnly, want)
		}
		if c.nullable != f.Removable {
			bad("nullable", c.nullable, f.Removable)
		}
		if want := maxLength(f); c.max != want {
			bad("max", c.max, want)
		}
	}
	for path := range form {
		if _, ok := client.FieldAt(path); !ok && !slices.ContainsFunc(fields, func(f *client.Field) bool { return f.Path == path }) {
			out = append(out, fmt.Sprintf("field %s: in the console's form, not in the field table", path))
		}
	}
	slices.Sort(out)
	return out
}

func TestConsoleFormFollowsTheFieldTable(t *testing.T) {
	for _, drift := range consoleDrift(loadConsoleFields(t), client.Fields()) {
		t.Error(drift)
	}
}
