package adminapi_test

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// TestPoliciesAllowWhatEachFunctionDoes runs a request down every path of
// each route that reaches DynamoDB, records the items and indexes its calls
// touch as IAM authorises them (testkit.Access: a transaction item by item),
// and fails when the function's policy in template.yaml does not allow one:
// the action on the table with a dynamodb:LeadingKeys pattern matching the
// item's key, or a Query on that index. A store change that touches a new
// kind of item (the list totals' COUNT# counters) must come with its grant,
// or the deployed function answers AccessDenied where every local test
// passes.
func TestPoliciesAllowWhatEachFunctionDoes(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	folderOf := map[string]string{}
	for _, m := range makeFunction.FindAllStringSubmatch(string(mk), -1) {
		folderOf[m[2]] = m[1] // folder → template logical id
	}
	tpl := readTemplate(t)
	e := testkit.Seeded(t)
	admin := "Bearer " + e.AdminToken(t)
	creds := func(id, secret string) string {
		return `{"clientId":"` + id + `","clientSecret":"` + secret + `"}`
	}
	var client string
	for _, tc := range []struct {
		function, method, path, body string
		auth                         string // "admin", "client" or ""
		form                         bool
	}{
		{"update-client", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Paris"}}`, "admin", false},
		{"update-client", http.MethodPut, testkit.JohnPath, `{"status":"Inactive"}`, "admin", false},
		{"update-client", http.MethodPut, testkit.JohnPath, `{"agentId":"agent_policy","calId":"cal_policy","clientMeta":{"fullName":"John P","businessName":"Acme P","notes":null}}`, "admin", false},
		{"update-client", http.MethodPut, testkit.JohnPath, `{"status":"Active","clientMeta":{"email":"john.policy@example.com"},"twilioPhoneNumber":"+18005550042"}`, "admin", false},
		{"create-client", http.MethodPost, "/admin/clients", `{"clientId":"client_policy_new","clientSecret":"client_secure_secret_key_0123456789","clientMeta":{"fullName":"Policy New","email":"policy.new@example.com","phone":"+12125550100"},"agentId":"agent_p","twilioPhoneNumber":"+18005550043","status":"Active"}`, "admin", false},
		{"get-client", http.MethodGet, testkit.JohnPath, "", "admin", false},
		{"get-client-history", http.MethodGet, testkit.JohnPath + "/history", "", "admin", false},
		{"get-client-history", http.MethodGet, "/admin/clients/client_never_was/history", "", "admin", false},
		{"list-clients", http.MethodGet, "/admin/clients?limit=1", "", "admin", false},
		{"list-clients", http.MethodGet, "/admin/clients?status=Active&limit=1", "", "admin", false},
		{"list-clients", http.MethodGet, "/admin/clients?search=acme", "", "admin", false},
		{"reset-secret", http.MethodPost, "/admin/clients/client_policy_new/reset-secret", "", "admin", false},
		{"delete-client", http.MethodDelete, "/admin/clients/client_policy_new", "", "admin", false},
		{"admin-login", http.MethodPost, "/auth/admin/login", `{"username":"admin","password":"wrong"}`, "", false},
		{"admin-login", http.MethodPost, "/auth/admin/login", `{"username":"admin","password":"local-admin-password"}`, "", false},
		{"client-login", http.MethodPost, "/auth/login", creds(testkit.JaneID, "wrong-secret"), "", false},
		{"client-login", http.MethodPost, "/auth/login", creds(testkit.JaneID, testkit.JaneSecret), "", false},
		{"oauth-token", http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {testkit.JaneID}, "client_secret": {"wrong"}}.Encode(), "", true},
		{"oauth-token", http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {testkit.JaneID}, "client_secret": {testkit.JaneSecret}}.Encode(), "", true},
		{"get-own-client", http.MethodGet, "/secure/client", "", "client", false},
		{"update-own-client", http.MethodPut, "/secure/client", `{"clientMeta":{"city":"Lyon"}}`, "client", false},
	} {
		id, ok := folderOf[tc.function]
		if !ok {
			t.Fatalf("no FN_ line in the Makefile builds %s", tc.function)
		}
		ct := "application/json"
		if tc.form {
			ct = "application/x-www-form-urlencoded"
		}
		hdr := []string{"Content-Type", ct}
		switch tc.auth {
		case "admin":
			hdr = append(hdr, "Authorization", admin)
		case "client":
			if client == "" {
				client = "Bearer " + testkit.Login(t, e, testkit.JaneID, testkit.JaneSecret)
			}
			hdr = append(hdr, "Authorization", client)
		}
		e.Accesses()
		r := e.Do(t, tc.method, tc.path, tc.body, hdr...)
		if r.Status >= 500 {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
		accesses := e.Accesses()
		if len(accesses) == 0 {
			t.Errorf("%s %s (%d) touched nothing: the row checks no grant", tc.method, tc.path, r.Status)
		}
		statements := tpl.Resources[id].Properties.Policies
		for _, a := range accesses {

			allowed := false
			for _, p := range statements {
				allowed = allowed || slices.ContainsFunc(p.Statement, func(st statement) bool { return grants(st, a) })
			}
			if !allowed {
				t.Errorf("%s (%s %s, %d) needs %s on %s, which its policy in template.yaml does not grant",
					id, tc.method, tc.path, r.Status, a.Action, target(a))
			}
		}
	}
}

func target(a testkit.Access) string {
	if a.Action == "dynamodb:Query" {
		return "index " + a.Index
	}
	return "key " + a.Key
}

// grants reports whether st allows a: the action, on the index's ARN for a
// Query, on the table with a leading-key pattern matching the key for the
// rest.
func grants(st statement, a testkit.Access) bool {
	if !slices.Contains(st.Action, a.Action) {
		return false
	}
	if a.Action == "dynamodb:Query" {
		return slices.Contains(st.Resource, "${ClientsTable.Arn}/index/"+a.Index)
	}
	if !slices.Contains(st.Resource, "ClientsTable.Arn") {
		return false
	}
	patterns, narrowed := st.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
	if narrowed && !slices.ContainsFunc(patterns, func(p string) bool {
		return strings.HasPrefix(a.Key, strings.TrimSuffix(p, "*"))
	}) {
		return false
	}
	// dynamodb:Attributes: every attribute the request names must be one
	// the statement lists.
	allowed, listed := st.Condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
	return !listed || !slices.ContainsFunc(a.Attrs, func(attr string) bool { return !slices.Contains(allowed, attr) })
}

// TestWritePoliciesNameTheirAttributes: every statement that lets a
// function put or update items lists the attributes it may write
// (dynamodb:Attributes), and the client updates' lists are the field
// table's: an admin update may write every field, its search copy, the
// email lock's key and the stamps; a client's own update only the fields a
// client may change and their search copies (never its secret hash, agent,
// Twilio number, calendar or email key); a reset only the secret and the
// stamps. The lists are what the store's requests name: the key, the
// update expression's attributes and the condition's
// (TestPoliciesAllowWhatEachFunctionDoes holds every request to them).
func TestWritePoliciesNameTheirAttributes(t *testing.T) {
	tpl := readTemplate(t)
	stamps := []string{"pk", "updatedAt", "updatedBy", "version", "lastChange"}
	fieldAttrs := func(byClient bool) []string {
		var out []string
		for _, f := range client.Fields() {
			if byClient && !f.ByClient {
				continue
			}
			attr := f.Attr
			if f.Meta {
				attr = client.MetaKey
			}
			out = append(out, attr)
			if f.Searched {
				out = append(out, f.SearchAttr())
			}
		}
		return out
	}
	want := map[string][]string{
		// Every field, its lock key and the stamp a suspension moves; the
		// condition names createdAt (its stored shape, store.timesFit).
		"UpdateClientFunction": append(append(fieldAttrs(false), "emailKey", "tokensValidAfter", "createdAt"), stamps...),
		// The session condition names status and tokensValidAfter, the
		// stored-shape condition createdAt.
		"UpdateOwnClientFunction": append(append(fieldAttrs(true), "status", "tokensValidAfter", "createdAt"), stamps...),
		"ResetSecretFunction":     append([]string{"secretHash", "tokensValidAfter"}, stamps...),
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		for _, p := range r.Properties.Policies {
			for _, st := range p.Statement {
				writes := slices.Contains(st.Action, "dynamodb:PutItem") || slices.Contains(st.Action, "dynamodb:UpdateItem")
				attrs, listed := st.Condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
				if writes && !listed {
					t.Errorf("%s may %v with no dynamodb:Attributes list", id, st.Action)
				}
				keys := st.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
				w, ok := want[id]
				if !ok || !writes || !slices.Equal(keys, []string{"CLIENT#*"}) {
					continue
				}
				if got, exp := slices.Sorted(slices.Values(attrs)), testkit.AttrSet(w); !slices.Equal(got, exp) {
					t.Errorf("%s may write %v of a client item, the field table says %v", id, got, exp)
				}
			}
		}
	}
}
