package e2e_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/sampleevents"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/config"
)

// TestSampleEvents runs every file in events/ through the handler its
// routeKey names, the way `sam local invoke -e` would, so they never rot.
func TestSampleEvents(t *testing.T) {
	files, err := filepath.Glob("../events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events found: %v", err)
	}
	outcomes := sampleevents.Outcomes()
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := outcomes[name]
			if !ok {
				t.Fatalf("no expected outcome for %s: add it to sampleevents.Outcomes", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("not an HTTP API payload 2.0 event: %v", err)
			}
			if ev.Version != "2.0" || ev.RequestContext.RouteKey != ev.RouteKey ||
				!strings.HasPrefix(ev.RouteKey, ev.RequestContext.HTTP.Method+" ") {
				t.Fatalf("inconsistent event: version %q, routeKey %q, context %q %q",
					ev.Version, ev.RouteKey, ev.RequestContext.RouteKey, ev.RequestContext.HTTP.Method)
			}
			e := testkit.Seeded(t, func(c *config.Config) { c.JWTSecret = config.DevSecret })
			var handled bool
			for _, rt := range api.Routes() {
				if rt.Key() != ev.RouteKey {
					continue
				}
				handled = true
				resp, err := e.Handler.Serve(rt)(t.Context(), ev)
				if err != nil {
					t.Fatalf("handler returned an error: %v", err)
				}
				if resp.StatusCode != want.Status || (want.Body != "" && resp.Body != want.Body) {
					t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, want.Status, want.Body)
				}
			}
			if !handled {
				t.Fatalf("no route serves %q", ev.RouteKey)
			}
		})
	}
	for name := range outcomes {
		if !seen[name] {
			t.Errorf("expected event %s is missing from events/", name)
		}
	}
}
