package client

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Field is one client field as the table (the tags of Client and Meta)
// declares it. Every other part of the system that names client fields —
// the edge's decoding, Apply, the audit names, the store's item, update
// expression and list projections, the admin view, the migration's
// mapping — iterates Fields instead of spelling them out.
type Field struct {
	Name string // JSON name: "city"
	Path string // JSON path: "clientMeta.city"; Name for a top-level field
	// Meta says the field lives inside clientMeta (MetaKey), not at the top
	// level of the client.
	Meta bool
	// Attr is the stored attribute: the top-level attribute's name, or the
	// key inside the stored clientMeta map.
	Attr      string
	Required  bool   // required on create
	Removable bool   // null or "" on update removes it; unset, it is absent from views and items
	ByClient  bool   // the client may change it on its own profile; otherwise only an admin
	Rule      string // go-playground/validator tags, run by Rules on every value written
	Listed    bool   // the list indexes project it
	Searched  bool   // list search matches it, in a folded copy (SearchAttr)
	index     []int  // reflect path inside Client
	order     int    // position in the table
}

// MetaKey is the JSON name, and the stored attribute, of the object that
// holds the Meta fields.
const MetaKey = "clientMeta"

// AttrPath is the stored attribute's document path, as an update
// expression names it: "agentId", "clientMeta.city".
func (f *Field) AttrPath() string {
	if f.Meta {
		return MetaKey + "." + f.Attr
	}
	return f.Attr
}

// SearchAttr is the top-level attribute holding the folded copy (Fold) of
// a Searched field, the text list search matches in: "searchFullName".
func (f *Field) SearchAttr() string {
	return "search" + strings.ToUpper(f.Name[:1]) + f.Name[1:]
}

// Get returns f's value on c ("" when unset).
func (f *Field) Get(c *Client) string {
	return reflect.ValueOf(c).Elem().FieldByIndex(f.index).String()
}

// Set writes v as f's value on c; "" unsets a removable field.
func (f *Field) Set(c *Client, v string) {
	reflect.ValueOf(c).Elem().FieldByIndex(f.index).SetString(v)
}

// NullError is the refusal of a null value for f, or nil when null
// removes f.
func (f *Field) NullError() error {
	if f.Removable {
		return nil
	}
	return invalid(f.Path, f.Path+" cannot be null")
}

// ClientRefusal is the refusal of a change to f by the client itself, or
// nil when the client may change f.
func (f *Field) ClientRefusal() error {
	if f.ByClient {
		return nil
	}
	return invalid(f.Path, f.Path+" cannot be changed by the client; an admin changes it")
}

// fields is the table, in declaration order; byPath indexes it.
var fields, byPath = readTable()

// Fields returns the table in declaration order. The *Field values are
// shared: read them, never change them.
func Fields() []*Field { return slices.Clone(fields) }

// FieldAt returns the field at a JSON path ("status", "clientMeta.email").
func FieldAt(path string) (*Field, bool) {
	f, ok := byPath[path]
	return f, ok
}

// mustField is FieldAt for paths this package names itself.
func mustField(path string) *Field {
	f, ok := FieldAt(path)
	if !ok {
		panic("client: no field " + path)
	}
	return f
}

// The fields the domain's own rules name: a status away from Active
// revokes tokens, and an email or Twilio number belongs to one client.
var (
	StatusField            = mustField("status")
	EmailField             = mustField(MetaKey + ".email")
	TwilioPhoneNumberField = mustField("twilioPhoneNumber")
)

// readTable reads the field tags of Client and its Meta. A malformed tag
// is a programming error that every test finds: it panics.
func readTable() ([]*Field, map[string]*Field) {
	var out []*Field
	ct := reflect.TypeFor[Client]()
	for i := range ct.NumField() {
		sf := ct.Field(i)
		tag, ok := sf.Tag.Lookup("field")
		if !ok {
			continue
		}
		if sf.Type == reflect.TypeFor[Meta]() {
			if tag != MetaKey {
				panic("client: Meta must be tagged field:\"" + MetaKey + "\"")
			}
			mt := sf.Type
			for j := range mt.NumField() {
				out = append(out, readField(mt.Field(j), true, []int{i, j}))
			}
			continue
		}
		out = append(out, readField(sf, false, []int{i}))
	}
	index := make(map[string]*Field, len(out))
	for i, f := range out {
		f.order = i
		if index[f.Path] != nil {
			panic("client: field " + f.Path + " declared twice")
		}
		index[f.Path] = f
	}
	return out, index
}

func readField(sf reflect.StructField, meta bool, index []int) *Field {
	tag, ok := sf.Tag.Lookup("field")
	if !ok || sf.Type.Kind() != reflect.String {
		panic(fmt.Sprintf("client: %s needs a field tag and a string type", sf.Name))
	}
	name, opts, _ := strings.Cut(tag, ",")
	f := &Field{Name: name, Path: name, Meta: meta, Attr: name, Rule: sf.Tag.Get("rule"), index: index}
	if meta {
		f.Path = MetaKey + "." + name
	}
	var who int
	for _, o := range strings.Split(opts, ",") {
		switch key, val, _ := strings.Cut(o, "="); key {
		case "required":
			f.Required = true
		case "removable":
			f.Removable = true
		case "admin":
			who++
		case "client":
			f.ByClient = true
			who++
		case "listed":
			f.Listed = true
		case "searched":
			f.Searched = true
		case "attr":
			f.Attr = val
		default:
			panic(fmt.Sprintf("client: field %s: unknown option %q", f.Path, o))
		}
	}
	if name == "" || who != 1 || f.Rule == "" {
		panic(fmt.Sprintf("client: field %s needs a name, exactly one of admin or client, and a rule", sf.Name))
	}
	return f
}

// Difference is one field whose value differs between two versions of a
// client.
type Difference struct {
	Field    *Field
	From, To string // "" when unset
}

// Diff lists the fields whose values differ from one version of a client
// to another, in table order: what a write changed, by JSON path
// (Field.Path), with both values.
func Diff(from, to Client) []Difference {
	var out []Difference
	for _, f := range fields {
		if a, b := f.Get(&from), f.Get(&to); a != b {
			out = append(out, Difference{Field: f, From: a, To: b})
		}
	}
	return out
}

// Update is a partial change to a client: a value for each field it names,
// "" for a removable field it removes. Fields it does not name are left as
// they are. The zero Update changes nothing.
type Update struct {
	changes []Change // in table order, one per field
}

// Change is one field an Update names and its new value.
type Change struct {
	Field *Field
	Value string // "" on a removable field removes it
}

// Removes reports whether the change removes its field.
func (c Change) Removes() bool { return c.Value == "" && c.Field.Removable }

// Set names f in u with the value v, trimmed as every field value is;
// "" (or blanks) on a removable field removes it. Set never changes
// another Update that u was copied from.
func (u *Update) Set(f *Field, v string) {
	ch := Change{Field: f, Value: strings.TrimSpace(v)}
	next := slices.Clone(u.changes)
	i, found := slices.BinarySearchFunc(next, f, func(c Change, f *Field) int { return c.Field.order - f.order })
	if found {
		next[i] = ch
	} else {
		next = slices.Insert(next, i, ch)
	}
	u.changes = next
}

// UpdateOf is the Update setting each JSON path of values to its value
// (tests and tools). A path the table does not hold panics.
func UpdateOf(values map[string]string) Update {
	var u Update
	for path, v := range values {
		u.Set(mustField(path), v)
	}
	return u
}

// Value returns the value u gives f, and whether u names f at all.
func (u Update) Value(f *Field) (string, bool) {
	for _, c := range u.changes {
		if c.Field == f {
			return c.Value, true
		}
	}
	return "", false
}

// Status returns the status u sets, if any.
func (u Update) Status() (Status, bool) {
	v, ok := u.Value(StatusField)
	return Status(v), ok
}

// IsEmpty reports whether the update changes nothing.
func (u Update) IsEmpty() bool { return len(u.changes) == 0 }

// Changes lists what u changes in the order the store writes it and the
// audit log names it: the top-level fields, then clientMeta's values, then
// clientMeta's removals, each in table order.
func (u Update) Changes() []Change {
	out := make([]Change, 0, len(u.changes))
	for _, c := range u.changes {
		if !c.Field.Meta {
			out = append(out, c)
		}
	}
	for _, removes := range []bool{false, true} {
		for _, c := range u.changes {
			if c.Field.Meta && c.Removes() == removes {
				out = append(out, c)
			}
		}
	}
	return out
}

// FieldNames lists the JSON paths an update sets or removes, for audit
// logs: the names, never the values.
func (u Update) FieldNames() []string {
	var out []string
	for _, c := range u.Changes() {
		out = append(out, c.Field.Path)
	}
	return out
}

// withoutRemovals is u less the removals: on a new client, a removed
// field is simply absent.
func (u Update) withoutRemovals() Update {
	var out Update
	for _, c := range u.changes {
		if !c.Removes() {
			out.changes = append(out.changes, c)
		}
	}
	return out
}
