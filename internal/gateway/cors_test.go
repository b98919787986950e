package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	adminapi "github.com/outbound-caller/admin-api"
	"github.com/outbound-caller/admin-api/internal/gateway"
	"github.com/outbound-caller/admin-api/internal/testkit"
)

// templateCORS reads the HTTP API's CorsConfiguration from template.yaml
// generically, independently of gateway.CORSFromTemplate, so that the
// expected headers come from the template and not from the code under test.
func templateCORS(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(adminapi.Template(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == "AWS::Serverless::HttpApi" {
			return res["Properties"].(map[string]any)["CorsConfiguration"].(map[string]any)
		}
	}
	t.Fatal("template.yaml has no AWS::Serverless::HttpApi")
	return nil
}

func joined(v any) string {
	var s []string
	for _, x := range v.([]any) {
		s = append(s, x.(string))
	}
	return strings.Join(s, ",")
}

// TestCORSAsTheTemplateConfiguresIt: the local gateway answers preflights and
// decorates responses with exactly the values template.yaml deploys, in API
// Gateway's manner, and a preflight never reaches a route.
func TestCORSAsTheTemplateConfiguresIt(t *testing.T) {
	want := templateCORS(t)
	cors, err := gateway.CORSFromTemplate(adminapi.Template())
	if err != nil {
		t.Fatal(err)
	}
	if joined(want["AllowOrigins"]) != "*" {
		t.Fatalf("this test expects the template to allow any origin, it allows %s: add cases for listed origins", joined(want["AllowOrigins"]))
	}
	env := testkit.Seeded(t)
	srv := httptest.NewServer(gateway.WithCORS(cors, gateway.New(env.Handler)))
	t.Cleanup(srv.Close)
	token := env.AdminToken(t)

	cases := []struct {
		name       string
		method     string
		headers    map[string]string
		status     int
		cors       map[string]string // every Access-Control-* header expected; others must be absent
		reachRoute bool
	}{
		{"preflight", http.MethodOptions,
			map[string]string{"Origin": "https://console.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization,content-type,if-match"},
			http.StatusNoContent, map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": joined(want["AllowMethods"]),
				"Access-Control-Allow-Headers": joined(want["AllowHeaders"]),
				"Access-Control-Max-Age":       strconv.Itoa(want["MaxAge"].(int)),
			}, false},
		{"OPTIONS without Access-Control-Request-Method is no preflight", http.MethodOptions,
			map[string]string{"Origin": "https://console.example"},
			http.StatusNotFound, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": joined(want["ExposeHeaders"])}, false},
		{"cross-origin request", http.MethodGet,
			map[string]string{"Origin": "https://console.example", "Authorization": "Bearer " + token},
			http.StatusOK, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": joined(want["ExposeHeaders"])}, true},
		{"cross-origin refusal", http.MethodGet,
			map[string]string{"Origin": "https://console.example"},
			http.StatusUnauthorized, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": joined(want["ExposeHeaders"])}, false},
		{"same-origin request (no Origin)", http.MethodGet,
			map[string]string{"Authorization": "Bearer " + token},
			http.StatusOK, map[string]string{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(env.Calls())
			req, _ := http.NewRequest(tc.method, srv.URL+testkit.JohnPath, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					if _, ok := tc.cors[k]; !ok {
						t.Errorf("unexpected %s: %s", k, resp.Header.Get(k))
					}
				}
			}
			for k, v := range tc.cors {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if reached := len(env.Calls()) > before; reached != tc.reachRoute {
				t.Errorf("DynamoDB calls made: %v, want %v", reached, tc.reachRoute)
			}
		})
	}
}

// TestCORSHeadersOfTheRouteAreReplaced: API Gateway ignores CORS headers an
// integration returns when the API has a CORS configuration.
func TestCORSHeadersOfTheRouteAreReplaced(t *testing.T) {
	cors := gateway.CORS{AllowOrigins: []string{"https://console.example"}, ExposeHeaders: []string{"etag"}}
	route := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.WriteHeader(http.StatusOK)
	})
	for _, tc := range []struct {
		origin, wantOrigin string
	}{
		{"https://console.example", "https://console.example"},
		{"https://other.example", ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Origin", tc.origin)
		gateway.WithCORS(cors, route).ServeHTTP(rec, req)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tc.wantOrigin {
			t.Errorf("origin %s: Access-Control-Allow-Origin %q, want %q", tc.origin, got, tc.wantOrigin)
		}
		if got := rec.Header().Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("origin %s: the route's Access-Control-Allow-Credentials survived", tc.origin)
		}
	}
}

// TestCORSOrigins: which Origin values a configuration allows, and what
// Access-Control-Allow-Origin then says.
func TestCORSOrigins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allowed []string
		origin  string
		want    string
	}{
		{"any", []string{"*"}, "https://a.example", "*"},
		{"listed", []string{"https://a.example"}, "https://a.example", "https://a.example"},
		{"listed, other case", []string{"https://A.example"}, "https://a.example", "https://a.example"},
		{"not listed", []string{"https://a.example"}, "https://b.example", ""},
		{"scheme wildcard", []string{"https://*"}, "https://b.example", "https://b.example"},
		{"scheme wildcard, other scheme", []string{"https://*"}, "http://b.example", ""},
		{"none", nil, "https://a.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodOptions, "/", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			gateway.WithCORS(gateway.CORS{AllowOrigins: tc.allowed}, http.NotFoundHandler()).ServeHTTP(rec, req)
			if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != tc.want {
				t.Errorf("%d, Access-Control-Allow-Origin %q; want 204, %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), tc.want)
			}
		})
	}
}

// TestCORSFromTemplateRefusesATemplateWithoutIt: a template whose HTTP API
// has no CORS configuration (or that has no HTTP API) cannot configure the
// local gateway.
func TestCORSFromTemplateRefusesATemplateWithoutIt(t *testing.T) {
	for _, tpl := range []string{
		"Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      StageName: dev\n",
		"Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n",
		"not: [yaml",
	} {
		if _, err := gateway.CORSFromTemplate([]byte(tpl)); err == nil {
			t.Errorf("accepted:\n%s", tpl)
		}
	}
}
