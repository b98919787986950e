package client_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func ptr[T any](v T) *T { return &v }

// body marshals v to JSON; the tests build bodies from maps so that long or
// multi-byte values are escaped correctly.
func body(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal body: %v", err)
	}
	return b
}

func meta(fields map[string]any) map[string]any { return map[string]any{"clientMeta": fields} }

// email254 is a syntactically valid address of exactly 254 characters:
// a 64-character local part and a 189-character domain of labels <= 63.
func email254() string {
	local := strings.Repeat("l", 64)
	domain := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 57) + ".com"
	return local + "@" + domain
}

func TestDecodeUpdate_SeedExampleDecodesToExactValues(t *testing.T) {
	const seed = `{"status":"Active","agentId":"updated_agent_id","twilioPhoneNumber":"+18005559876","clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234","businessName":"Acme Corporation","city":"Chicago","jobTitle":"CTO","notes":"Updated account information"}}`
	got, err := client.NewRules().DecodeUpdate([]byte(seed))
	if err != nil {
		t.Fatalf("DecodeUpdate(seed) error = %v", err)
	}
	want := client.Update{
		Status:            ptr(client.StatusActive),
		AgentID:           ptr("updated_agent_id"),
		TwilioPhoneNumber: ptr("+18005559876"),
		Meta: client.MetaUpdate{
			FullName:     ptr("John Smith"),
			Email:        ptr("john.smith@example.com"),
			Phone:        ptr("+12125551234"),
			BusinessName: ptr("Acme Corporation"),
			City:         ptr("Chicago"),
			JobTitle:     ptr("CTO"),
			Notes:        ptr("Updated account information"),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeUpdate(seed) =\n%+v\nwant\n%+v", dump(got), dump(want))
	}
}

// dump renders an Update with its pointers followed, for failure messages.
func dump(u client.Update) string {
	b, _ := json.Marshal(struct {
		client.Update
		Remove []string
	}{u, u.Meta.Remove})
	return string(b)
}

func TestDecodeUpdate_AcceptedBodies(t *testing.T) {
	rules := client.NewRules()
	tests := []struct {
		name string
		body []byte
		want client.Update
	}{
		{
			name: "strings are trimmed",
			body: body(t, map[string]any{
				"status": "  Suspended\t", "agentId": " agent_1 ", "twilioPhoneNumber": "\n+14155550100 ",
				"clientMeta": map[string]any{"fullName": "  Jane Doe ", "email": " jane@example.com ", "city": " Paris  "},
			}),
			want: client.Update{
				Status: ptr(client.StatusSuspended), AgentID: ptr("agent_1"), TwilioPhoneNumber: ptr("+14155550100"),
				Meta: client.MetaUpdate{FullName: ptr("Jane Doe"), Email: ptr("jane@example.com"), City: ptr("Paris")},
			},
		},
		{
			name: "clientId is ignored",
			body: []byte(`{"clientId":"someone_else","status":"Inactive"}`),
			want: client.Update{Status: ptr(client.StatusInactive)},
		},
		{
			name: "null optional clientMeta fields are removed",
			body: []byte(`{"clientMeta":{"phone":null,"businessName":null,"city":null,"jobTitle":null,"notes":null}}`),
			want: client.Update{Meta: client.MetaUpdate{Remove: []string{"phone", "businessName", "city", "jobTitle", "notes"}}},
		},
		{
			name: "empty optional clientMeta fields are removed",
			body: []byte(`{"clientMeta":{"phone":"","businessName":"","city":"","jobTitle":"","notes":""}}`),
			want: client.Update{Meta: client.MetaUpdate{Remove: []string{"phone", "businessName", "city", "jobTitle", "notes"}}},
		},
		{
			name: "whitespace-only optional field is removed",
			body: []byte(`{"clientMeta":{"notes":"   "}}`),
			want: client.Update{Meta: client.MetaUpdate{Remove: []string{"notes"}}},
		},
		{
			name: "removal and set in one body",
			body: []byte(`{"clientMeta":{"city":"Rome","phone":null}}`),
			want: client.Update{Meta: client.MetaUpdate{City: ptr("Rome"), Remove: []string{"phone"}}},
		},
		{
			name: "agentId of 128 characters",
			body: body(t, map[string]any{"agentId": strings.Repeat("a", 128)}),
			want: client.Update{AgentID: ptr(strings.Repeat("a", 128))},
		},
		{
			name: "agentId of 1 character",
			body: []byte(`{"agentId":"x"}`),
			want: client.Update{AgentID: ptr("x")},
		},
		{
			name: "fullName of 200 characters",
			body: body(t, meta(map[string]any{"fullName": strings.Repeat("f", 200)})),
			want: client.Update{Meta: client.MetaUpdate{FullName: ptr(strings.Repeat("f", 200))}},
		},
		{
			name: "fullName of 200 multi-byte runes",
			body: body(t, meta(map[string]any{"fullName": strings.Repeat("é", 200)})),
			want: client.Update{Meta: client.MetaUpdate{FullName: ptr(strings.Repeat("é", 200))}},
		},
		{
			name: "businessName of 200 four-byte runes",
			body: body(t, meta(map[string]any{"businessName": strings.Repeat("😀", 200)})),
			want: client.Update{Meta: client.MetaUpdate{BusinessName: ptr(strings.Repeat("😀", 200))}},
		},
		{
			name: "city of 100 characters",
			body: body(t, meta(map[string]any{"city": strings.Repeat("c", 100)})),
			want: client.Update{Meta: client.MetaUpdate{City: ptr(strings.Repeat("c", 100))}},
		},
		{
			name: "jobTitle of 100 multi-byte runes",
			body: body(t, meta(map[string]any{"jobTitle": strings.Repeat("ü", 100)})),
			want: client.Update{Meta: client.MetaUpdate{JobTitle: ptr(strings.Repeat("ü", 100))}},
		},
		{
			name: "notes of 2000 characters",
			body: body(t, meta(map[string]any{"notes": strings.Repeat("n", 2000)})),
			want: client.Update{Meta: client.MetaUpdate{Notes: ptr(strings.Repeat("n", 2000))}},
		},
		{
			name: "E.164 with 2 digits",
			body: []byte(`{"twilioPhoneNumber":"+12","clientMeta":{"phone":"+12"}}`),
			want: client.Update{TwilioPhoneNumber: ptr("+12"), Meta: client.MetaUpdate{Phone: ptr("+12")}},
		},
		{
			name: "E.164 with 15 digits",
			body: []byte(`{"twilioPhoneNumber":"+123456789012345","clientMeta":{"phone":"+123456789012345"}}`),
			want: client.Update{TwilioPhoneNumber: ptr("+123456789012345"), Meta: client.MetaUpdate{Phone: ptr("+123456789012345")}},
		},
		{
			name: "email of 254 characters",
			body: body(t, meta(map[string]any{"email": email254()})),
			want: client.Update{Meta: client.MetaUpdate{Email: ptr(email254())}},
		},
		{
			name: "leading and trailing whitespace around the body",
			body: []byte(" \n {\"status\":\"Active\"} \n"),
			want: client.Update{Status: ptr(client.StatusActive)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rules.DecodeUpdate(tt.body)
			if err != nil {
				t.Fatalf("DecodeUpdate(%.80s) error = %v", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeUpdate(%.80s) =\n%s\nwant\n%s", tt.body, dump(got), dump(tt.want))
			}
		})
	}
}

func TestEmail254IsReallyAtTheLimit(t *testing.T) {
	if n := len(email254()); n != 254 {
		t.Fatalf("len(email254()) = %d, want 254", n)
	}
}

func TestDecodeUpdate_RefusedBodies(t *testing.T) {
	rules := client.NewRules()
	const (
		e164Msg  = " must be an E.164 phone number such as +12125551234"
		agentMsg = "agentId must be 1-128 characters of letters, digits, '_' or '-'"
	)
	tests := []struct {
		name      string
		body      []byte
		wantField string
		wantMsg   string
	}{
		{"invalid JSON", []byte(`{"status":`), "", "Request body must be valid JSON"},
		{"empty body", []byte(``), "", "Request body must be valid JSON"},
		{"array body", []byte(`[{"status":"Active"}]`), "", "Request body must be a JSON object"},
		{"null body", []byte(`null`), "", "Request body must be a JSON object"},
		{"string body", []byte(`"Active"`), "", "Request body must be a JSON object"},
		{"empty object", []byte(`{}`), "", "No updatable fields provided"},
		{"only clientId", []byte(`{"clientId":"abc"}`), "", "No updatable fields provided"},
		{"empty clientMeta", []byte(`{"clientMeta":{}}`), "", "No updatable fields provided"},
		{"clientSecret", []byte(`{"clientSecret":"s3cret","status":"Active"}`), "clientSecret",
			"clientSecret cannot be changed here; use POST /admin/clients/{clientId}/reset-secret"},
		{"unknown top-level field", []byte(`{"status":"Active","createdAt":"x"}`), "createdAt", "Unknown field: createdAt"},
		{"first unknown field in sorted order", []byte(`{"zeta":1,"alpha":2,"status":"Active"}`), "alpha", "Unknown field: alpha"},
		{"unknown clientMeta field", []byte(`{"clientMeta":{"fullName":"A","age":3}}`), "clientMeta.age", "Unknown field: clientMeta.age"},
		{"status null", []byte(`{"status":null}`), "status", "status cannot be null"},
		{"agentId null", []byte(`{"agentId":null}`), "agentId", "agentId cannot be null"},
		{"twilioPhoneNumber null", []byte(`{"twilioPhoneNumber":null}`), "twilioPhoneNumber", "twilioPhoneNumber cannot be null"},
		{"status not a string", []byte(`{"status":1}`), "status", "status must be a string"},
		{"agentId not a string", []byte(`{"agentId":["a"]}`), "agentId", "agentId must be a string"},
		{"clientMeta null", []byte(`{"clientMeta":null}`), "clientMeta", "clientMeta cannot be null"},
		{"clientMeta not an object", []byte(`{"clientMeta":"x"}`), "clientMeta", "clientMeta must be a JSON object"},
		{"clientMeta array", []byte(`{"clientMeta":[]}`), "clientMeta", "clientMeta must be a JSON object"},
		{"fullName null", []byte(`{"clientMeta":{"fullName":null}}`), "clientMeta.fullName", "clientMeta.fullName cannot be null"},
		{"email null", []byte(`{"clientMeta":{"email":null}}`), "clientMeta.email", "clientMeta.email cannot be null"},
		{"clientMeta field not a string", []byte(`{"clientMeta":{"city":true}}`), "clientMeta.city", "clientMeta.city must be a string"},
		{"status lowercase", []byte(`{"status":"active"}`), "status", "status must be one of Active, Inactive, Suspended"},
		{"status unknown", []byte(`{"status":"Deleted"}`), "status", "status must be one of Active, Inactive, Suspended"},
		{"agentId of 129 characters", body(t, map[string]any{"agentId": strings.Repeat("a", 129)}), "agentId", agentMsg},
		{"agentId empty", []byte(`{"agentId":""}`), "agentId", agentMsg},
		{"agentId with a space", []byte(`{"agentId":"a b"}`), "agentId", agentMsg},
		{"agentId with a dot", []byte(`{"agentId":"a.b"}`), "agentId", agentMsg},
		{"twilioPhoneNumber without plus", []byte(`{"twilioPhoneNumber":"12125551234"}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"twilioPhoneNumber with 16 digits", []byte(`{"twilioPhoneNumber":"+1234567890123456"}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"twilioPhoneNumber with 1 digit", []byte(`{"twilioPhoneNumber":"+1"}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"twilioPhoneNumber starting with 0", []byte(`{"twilioPhoneNumber":"+0123456789"}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"twilioPhoneNumber empty", []byte(`{"twilioPhoneNumber":""}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"twilioPhoneNumber with separators", []byte(`{"twilioPhoneNumber":"+1 212-555-1234"}`), "twilioPhoneNumber", "twilioPhoneNumber" + e164Msg},
		{"phone with 16 digits", []byte(`{"clientMeta":{"phone":"+1234567890123456"}}`), "clientMeta.phone", "clientMeta.phone" + e164Msg},
		{"fullName empty", []byte(`{"clientMeta":{"fullName":""}}`), "clientMeta.fullName", "clientMeta.fullName must not be empty"},
		{"fullName whitespace only", []byte(`{"clientMeta":{"fullName":"   "}}`), "clientMeta.fullName", "clientMeta.fullName must not be empty"},
		{"fullName of 201 characters", body(t, meta(map[string]any{"fullName": strings.Repeat("f", 201)})), "clientMeta.fullName", "clientMeta.fullName must be at most 200 characters"},
		{"fullName of 201 multi-byte runes", body(t, meta(map[string]any{"fullName": strings.Repeat("é", 201)})), "clientMeta.fullName", "clientMeta.fullName must be at most 200 characters"},
		{"businessName of 201 characters", body(t, meta(map[string]any{"businessName": strings.Repeat("b", 201)})), "clientMeta.businessName", "clientMeta.businessName must be at most 200 characters"},
		{"city of 101 characters", body(t, meta(map[string]any{"city": strings.Repeat("c", 101)})), "clientMeta.city", "clientMeta.city must be at most 100 characters"},
		{"jobTitle of 101 characters", body(t, meta(map[string]any{"jobTitle": strings.Repeat("j", 101)})), "clientMeta.jobTitle", "clientMeta.jobTitle must be at most 100 characters"},
		{"notes of 2001 characters", body(t, meta(map[string]any{"notes": strings.Repeat("n", 2001)})), "clientMeta.notes", "clientMeta.notes must be at most 2000 characters"},
		{"email of 255 characters", body(t, meta(map[string]any{"email": "x" + email254()})), "clientMeta.email", "clientMeta.email must be at most 254 characters"},
		{"email empty", []byte(`{"clientMeta":{"email":""}}`), "clientMeta.email", "Email format is invalid"},
		{"email without at", []byte(`{"clientMeta":{"email":"john.example.com"}}`), "clientMeta.email", "Email format is invalid"},
		{"email with display name", []byte(`{"clientMeta":{"email":"John <john@example.com>"}}`), "clientMeta.email", "Email format is invalid"},
		{"email without domain", []byte(`{"clientMeta":{"email":"john@"}}`), "clientMeta.email", "Email format is invalid"},
		{"first failing field in declaration order", []byte(`{"status":"bad","clientMeta":{"email":"bad"}}`), "status", "status must be one of Active, Inactive, Suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.DecodeUpdate(tt.body)
			var ve *client.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("DecodeUpdate(%.80s) error = %v (%T), want *client.ValidationError", tt.body, err, err)
			}
			if ve.Field != tt.wantField || ve.Message != tt.wantMsg {
				t.Errorf("DecodeUpdate(%.80s) = {Field: %q, Message: %q}, want {Field: %q, Message: %q}",
					tt.body, ve.Field, ve.Message, tt.wantField, tt.wantMsg)
			}
			if ve.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", ve.Error(), tt.wantMsg)
			}
		})
	}
}

func TestUpdate_IsEmpty(t *testing.T) {
	tests := []struct {
		name string
		u    client.Update
		want bool
	}{
		{"zero update", client.Update{}, true},
		{"empty Remove slice", client.Update{Meta: client.MetaUpdate{Remove: []string{}}}, true},
		{"status set", client.Update{Status: ptr(client.StatusActive)}, false},
		{"agentId set", client.Update{AgentID: ptr("a")}, false},
		{"twilioPhoneNumber set", client.Update{TwilioPhoneNumber: ptr("+12")}, false},
		{"meta value set", client.Update{Meta: client.MetaUpdate{Notes: ptr("n")}}, false},
		{"meta value set to empty string", client.Update{Meta: client.MetaUpdate{FullName: ptr("")}}, false},
		{"meta removal only", client.Update{Meta: client.MetaUpdate{Remove: []string{"city"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.IsEmpty(); got != tt.want {
				t.Errorf("IsEmpty() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMetaUpdate_ValuesInFixedOrder(t *testing.T) {
	tests := []struct {
		name string
		m    client.MetaUpdate
		want []client.Field
	}{
		{"nothing set", client.MetaUpdate{Remove: []string{"city"}}, nil},
		{
			name: "all set",
			m: client.MetaUpdate{
				Notes: ptr("7"), JobTitle: ptr("6"), City: ptr("5"), BusinessName: ptr("4"),
				Phone: ptr("3"), Email: ptr("2"), FullName: ptr("1"),
			},
			want: []client.Field{
				{Name: "fullName", Value: "1"}, {Name: "email", Value: "2"}, {Name: "phone", Value: "3"},
				{Name: "businessName", Value: "4"}, {Name: "city", Value: "5"}, {Name: "jobTitle", Value: "6"},
				{Name: "notes", Value: "7"},
			},
		},
		{
			name: "subset keeps relative order",
			m:    client.MetaUpdate{Notes: ptr("n"), Email: ptr("e@x.io"), City: ptr("")},
			want: []client.Field{{Name: "email", Value: "e@x.io"}, {Name: "city", Value: ""}, {Name: "notes", Value: "n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Values(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Values() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
