package client_test

import (
	"slices"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// TestFieldTable pins the table as the contract has it: each field's
// path, whether it is required on create, removable with null, changeable
// by the client itself, listed and searched.
func TestFieldTable(t *testing.T) {
	type row struct {
		path                                            string
		required, removable, byClient, listed, searched bool
	}
	want := []row{
		{"status", false, false, false, true, false},
		{"agentId", true, false, false, true, false},
		{"twilioPhoneNumber", true, false, false, true, false},
		{"calId", false, true, false, true, false},
		{"clientMeta.fullName", true, false, true, true, true},
		{"clientMeta.email", true, false, false, true, true},
		{"clientMeta.phone", true, true, true, true, false},
		{"clientMeta.businessName", false, true, true, true, true},
		{"clientMeta.city", false, true, true, true, false},
		{"clientMeta.jobTitle", false, true, true, true, false},
		{"clientMeta.notes", false, true, true, true, false},
	}
	var got []row
	for _, f := range client.Fields() {
		got = append(got, row{f.Path, f.Required, f.Removable, f.ByClient, f.Listed, f.Searched})
	}
	if !slices.Equal(got, want) {
		t.Errorf("table =\n%v\nwant\n%v", got, want)
	}
}

// TestFieldGetSetReachEveryField: each field reads and writes its own
// member of Client, and no other.
func TestFieldGetSetReachEveryField(t *testing.T) {
	var c client.Client
	for _, f := range client.Fields() {
		f.Set(&c, "v:"+f.Path)
	}
	want := client.Client{
		Status: "v:status", AgentID: "v:agentId", TwilioPhoneNumber: "v:twilioPhoneNumber", CalID: "v:calId",
		Meta: client.Meta{
			FullName: "v:clientMeta.fullName", Email: "v:clientMeta.email", Phone: "v:clientMeta.phone",
			BusinessName: "v:clientMeta.businessName", City: "v:clientMeta.city", JobTitle: "v:clientMeta.jobTitle",
			Notes: "v:clientMeta.notes",
		},
	}
	if c != want {
		t.Errorf("after Set: %+v, want %+v", c, want)
	}
	for _, f := range client.Fields() {
		if got := f.Get(&want); got != "v:"+f.Path {
			t.Errorf("%s.Get = %q", f.Path, got)
		}
	}
}

func TestUpdate_IsEmpty(t *testing.T) {
	tests := []struct {
		name string
		u    client.Update
		want bool
	}{
		{"zero update", client.Update{}, true},
		{"nothing named", client.UpdateOf(map[string]string{}), true},
		{"status set", client.UpdateOf(map[string]string{"status": "Active"}), false},
		{"agentId set", client.UpdateOf(map[string]string{"agentId": "a"}), false},
		{"calId removed", client.UpdateOf(map[string]string{"calId": ""}), false},
		{"meta value set", client.UpdateOf(map[string]string{"clientMeta.notes": "n"}), false},
		{"required meta value set to empty string", client.UpdateOf(map[string]string{"clientMeta.fullName": ""}), false},
		{"meta removal only", client.UpdateOf(map[string]string{"clientMeta.city": ""}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.IsEmpty(); got != tt.want {
				t.Errorf("IsEmpty() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestUpdate_ChangesInWriteOrder: top-level fields, clientMeta's values,
// clientMeta's removals, each in table order, whatever order they were set
// in; a removable field set to "" (or blanks) is a removal, a required one
// keeps its empty value for the rules to refuse.
func TestUpdate_ChangesInWriteOrder(t *testing.T) {
	var u client.Update
	for _, kv := range [][2]string{
		{"clientMeta.notes", "7"}, {"clientMeta.city", "  "}, {"calId", ""}, {"clientMeta.fullName", ""},
		{"clientMeta.phone", ""}, {"clientMeta.email", " e@x.io "}, {"status", "Active"},
	} {
		f, _ := client.FieldAt(kv[0])
		u.Set(f, kv[1])
	}
	type change struct {
		path, value string
		removes     bool
	}
	var got []change
	for _, c := range u.Changes() {
		got = append(got, change{c.Field.Path, c.Value, c.Removes()})
	}
	want := []change{
		{"status", "Active", false}, {"calId", "", true},
		{"clientMeta.fullName", "", false}, {"clientMeta.email", "e@x.io", false}, {"clientMeta.notes", "7", false},
		{"clientMeta.phone", "", true}, {"clientMeta.city", "", true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Changes() =\n%v\nwant\n%v", got, want)
	}
	if names, want := u.FieldNames(), []string{"status", "calId", "clientMeta.fullName", "clientMeta.email", "clientMeta.notes", "clientMeta.phone", "clientMeta.city"}; !slices.Equal(names, want) {
		t.Errorf("FieldNames() = %v, want %v", names, want)
	}
}

// TestUpdate_SetLeavesCopiesAlone: an Update copied before a Set does not
// see it.
func TestUpdate_SetLeavesCopiesAlone(t *testing.T) {
	u := client.UpdateOf(map[string]string{"agentId": "a", "clientMeta.notes": "n"})
	copied := u
	u.Set(client.StatusField, "Inactive")
	u.Set(client.EmailField, "e@x.io")
	if names := copied.FieldNames(); !slices.Equal(names, []string{"agentId", "clientMeta.notes"}) {
		t.Errorf("the copy names %v after Set on the original", names)
	}
}

// TestDiffNamesEveryChangedField: Diff reports exactly the fields whose
// values differ, with both values, in table order; stamps are not fields.
func TestDiffNamesEveryChangedField(t *testing.T) {
	from := client.Client{ClientID: "c1", Status: client.StatusActive, AgentID: "a", CalID: "cal",
		Meta: client.Meta{FullName: "F", Email: "e@x.io", City: "Rome"}, Version: 1}
	to := from
	to.Status, to.CalID, to.Meta.City, to.Meta.Notes, to.Version = client.StatusSuspended, "", "Paris", "n", 2
	type diff struct{ path, from, to string }
	var got []diff
	for _, d := range client.Diff(from, to) {
		got = append(got, diff{d.Field.Path, d.From, d.To})
	}
	want := []diff{{"status", "Active", "Suspended"}, {"calId", "cal", ""}, {"clientMeta.city", "Rome", "Paris"}, {"clientMeta.notes", "", "n"}}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %v, want %v", got, want)
	}
	if d := client.Diff(from, from); d != nil {
		t.Errorf("Diff of a client with itself = %v", d)
	}
}
