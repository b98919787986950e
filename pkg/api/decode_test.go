package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

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
	got, err := decodeAndCheck(client.NewRules(), []byte(seed), false)
	if err != nil {
		t.Fatalf("DecodeUpdate(seed) error = %v", err)
	}
	want := client.UpdateOf(map[string]string{"status": string(client.StatusActive), "agentId": "updated_agent_id", "twilioPhoneNumber": "+18005559876", "clientMeta.fullName": "John Smith", "clientMeta.email": "john.smith@example.com", "clientMeta.phone": "+12125551234", "clientMeta.businessName": "Acme Corporation", "clientMeta.city": "Chicago", "clientMeta.jobTitle": "CTO", "clientMeta.notes": "Updated account information"})
	if !slices.Equal(got.Changes(), want.Changes()) {
		t.Errorf("DecodeUpdate(seed) =\n%+v\nwant\n%+v", dump(got), dump(want))
	}
}

// dump renders an Update for failure messages.
func dump(u client.Update) string {
	var b strings.Builder
	for _, c := range u.Changes() {
		fmt.Fprintf(&b, "%s=%q ", c.Field.Path, c.Value)
	}
	return b.String()
}

// decodeAndCheck is what the update routes do with a body: decode it, then
// check it by the domain's rules.
func decodeAndCheck(rules *client.Rules, body []byte, byClient bool) (client.Update, error) {
	u, err := decodeUpdate(body, byClient)
	if err != nil {
		return u, err
	}
	if byClient {
		return u, rules.CheckOwnUpdate(u)
	}
	return u, rules.CheckUpdate(u)
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
			want: client.UpdateOf(map[string]string{"status": string(client.StatusSuspended), "agentId": "agent_1", "twilioPhoneNumber": "+14155550100", "clientMeta.fullName": "Jane Doe", "clientMeta.email": "jane@example.com", "clientMeta.city": "Paris"}),
		},
		{
			name: "clientId is ignored",
			body: []byte(`{"clientId":"someone_else","status":"Inactive"}`),
			want: client.UpdateOf(map[string]string{"status": string(client.StatusInactive)}),
		},
		{
			name: "null optional clientMeta fields are removed",
			body: []byte(`{"clientMeta":{"phone":null,"businessName":null,"city":null,"jobTitle":null,"notes":null}}`),
			want: client.UpdateOf(map[string]string{"clientMeta.phone": "", "clientMeta.businessName": "", "clientMeta.city": "", "clientMeta.jobTitle": "", "clientMeta.notes": ""}),
		},
		{
			name: "empty optional clientMeta fields are removed",
			body: []byte(`{"clientMeta":{"phone":"","businessName":"","city":"","jobTitle":"","notes":""}}`),
			want: client.UpdateOf(map[string]string{"clientMeta.phone": "", "clientMeta.businessName": "", "clientMeta.city": "", "clientMeta.jobTitle": "", "clientMeta.notes": ""}),
		},
		{
			name: "whitespace-only optional field is removed",
			body: []byte(`{"clientMeta":{"notes":"   "}}`),
			want: client.UpdateOf(map[string]string{"clientMeta.notes": ""}),
		},
		{
			name: "removal and set in one body",
			body: []byte(`{"clientMeta":{"city":"Rome","phone":null}}`),
			want: client.UpdateOf(map[string]string{"clientMeta.city": "Rome", "clientMeta.phone": ""}),
		},
		{
			name: "agentId of 128 characters",
			body: body(t, map[string]any{"agentId": strings.Repeat("a", 128)}),
			want: client.UpdateOf(map[string]string{"agentId": strings.Repeat("a", 128)}),
		},
		{
			name: "agentId of 1 character",
			body: []byte(`{"agentId":"x"}`),
			want: client.UpdateOf(map[string]string{"agentId": "x"}),
		},
		{
			name: "fullName of 200 characters",
			body: body(t, meta(map[string]any{"fullName": strings.Repeat("f", 200)})),
			want: client.UpdateOf(map[string]string{"clientMeta.fullName": strings.Repeat("f", 200)}),
		},
		{
			name: "fullName of 200 multi-byte runes",
			body: body(t, meta(map[string]any{"fullName": strings.Repeat("é", 200)})),
			want: client.UpdateOf(map[string]string{"clientMeta.fullName": strings.Repeat("é", 200)}),
		},
		{
			name: "businessName of 200 four-byte runes",
			body: body(t, meta(map[string]any{"businessName": strings.Repeat("😀", 200)})),
			want: client.UpdateOf(map[string]string{"clientMeta.businessName": strings.Repeat("😀", 200)}),
		},
		{
			name: "city of 100 characters",
			body: body(t, meta(map[string]any{"city": strings.Repeat("c", 100)})),
			want: client.UpdateOf(map[string]string{"clientMeta.city": strings.Repeat("c", 100)}),
		},
		{
			name: "jobTitle of 100 multi-byte runes",
			body: body(t, meta(map[string]any{"jobTitle": strings.Repeat("ü", 100)})),
			want: client.UpdateOf(map[string]string{"clientMeta.jobTitle": strings.Repeat("ü", 100)}),
		},
		{
			name: "notes of 2000 characters",
			body: body(t, meta(map[string]any{"notes": strings.Repeat("n", 2000)})),
			want: client.UpdateOf(map[string]string{"clientMeta.notes": strings.Repeat("n", 2000)}),
		},
		{
			name: "E.164 with 2 digits",
			body: []byte(`{"twilioPhoneNumber":"+12","clientMeta":{"phone":"+12"}}`),
			want: client.UpdateOf(map[string]string{"twilioPhoneNumber": "+12", "clientMeta.phone": "+12"}),
		},
		{
			name: "E.164 with 15 digits",
			body: []byte(`{"twilioPhoneNumber":"+123456789012345","clientMeta":{"phone":"+123456789012345"}}`),
			want: client.UpdateOf(map[string]string{"twilioPhoneNumber": "+123456789012345", "clientMeta.phone": "+123456789012345"}),
		},
		{
			name: "email of 254 characters",
			body: body(t, meta(map[string]any{"email": email254()})),
			want: client.UpdateOf(map[string]string{"clientMeta.email": email254()}),
		},
		{
			name: "leading and trailing whitespace around the body",
			body: []byte(" \n {\"status\":\"Active\"} \n"),
			want: client.UpdateOf(map[string]string{"status": string(client.StatusActive)}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAndCheck(rules, tt.body, false)
			if err != nil {
				t.Fatalf("DecodeUpdate(%.80s) error = %v", tt.body, err)
			}
			if !slices.Equal(got.Changes(), tt.want.Changes()) {
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
			_, err := decodeAndCheck(rules, tt.body, false)
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

func ptr[T any](v T) *T { return &v }

func TestCalIDDecodes(t *testing.T) {
	rules := client.NewRules()
	calID, _ := client.FieldAt("calId")
	const required = `"agentId":"a","twilioPhoneNumber":"+14155550101","clientMeta":{"fullName":"F","email":"f@example.com","phone":"+14155550100"}`
	for _, tc := range []struct {
		name, body string
		create     bool
		want       *string // the decoded CalID; nil when absent
	}{
		{"create with calId", `{"calId":"e0JBV5PARC9sbebxcYnY",` + required + `}`, true, ptr("e0JBV5PARC9sbebxcYnY")},
		{"create with null calId: absent", `{"calId":null,` + required + `}`, true, nil},
		{"create without calId", `{` + required + `}`, true, nil},
		{"update sets it", `{"calId":"cal-1_X"}`, false, ptr("cal-1_X")},
		{"update with null removes it", `{"calId":null}`, false, ptr("")},
		{"update with empty string removes it", `{"calId":""}`, false, ptr("")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u client.Update
			var err error
			if tc.create {
				var c client.Create
				if c, err = decodeCreate([]byte(tc.body)); err == nil {
					err = rules.CheckCreate(&c)
				}
				u = c.Fields
			} else {
				u, err = decodeAndCheck(rules, []byte(tc.body), false)
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			got, named := u.Value(calID)
			if named != (tc.want != nil) || named && got != *tc.want {
				t.Errorf("calId = %v, want %v", dump(u), tc.want)
			}
		})
	}
}

func TestCalIDRefused(t *testing.T) {
	rules := client.NewRules()
	for _, tc := range []struct {
		name, body string
		own        bool
		message    string
	}{
		{"too long", `{"calId":"x` + strings.Repeat("c", 128) + `"}`, false, "calId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"punctuation", `{"calId":"cal.1"}`, false, "calId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"not a string", `{"calId":true}`, false, "calId must be a string"},
		{"by the client", `{"calId":"cal"}`, true, "calId cannot be changed by the client; an admin changes it"},
		{"removed by the client", `{"calId":null}`, true, "calId cannot be changed by the client; an admin changes it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAndCheck(rules, []byte(tc.body), tc.own)
			ve, ok := err.(*client.ValidationError)
			if !ok || ve.Field != "calId" || ve.Message != tc.message {
				t.Errorf("error = %#v, want calId: %q", err, tc.message)
			}
		})
	}
}

// TestCreateAndUpdateShareRules: the same field value gets the same
// verdict and message from both routes' decoding and checks.
func TestCreateAndUpdateShareRules(t *testing.T) {
	r := client.NewRules()
	const required = `"clientMeta":{"fullName":"A B","email":"a@example.com","phone":"+14155550100"},"agentId":"a1","twilioPhoneNumber":"+14155550101"`
	for _, field := range []string{`"status":"paused"`, `"agentId":"a b"`, `"twilioPhoneNumber":"0123"`} {
		_, errU := decodeAndCheck(r, []byte(`{`+field+`}`), false)
		c, errC := decodeCreate([]byte(`{` + required + `,` + field + `}`))
		if errC == nil {
			errC = r.CheckCreate(&c)
		}
		if errU == nil || errC == nil || errU.Error() != errC.Error() {
			t.Errorf("%s: update %v, create %v", field, errU, errC)
		}
	}
}
