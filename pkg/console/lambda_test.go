package console_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/rie"
	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestBuiltFunctionServesTheConsole builds functions/console as Lambda gets
// it and runs it under the Runtime Interface Emulator: the real bootstrap
// (console.Start, lambda.StartHandlerFunc) answers API Gateway events for
// the two console routes with the files and their headers. It needs no
// table and no secret: its environment has neither.
func TestBuiltFunctionServesTheConsole(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on linux, not %s", runtime.GOOS)
	}
	ctx := t.Context()
	dir := t.TempDir()
	emulator, err := rie.BuildEmulator(ctx, "../..", dir)
	if err != nil {
		t.Fatal(err)
	}
	fnDir := filepath.Join(dir, "console")
	if err := os.Mkdir(fnDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bootstrap, err := rie.BuildFunction(ctx, "../..", "console", fnDir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	em, err := rie.Start(ctx, emulator, bootstrap, []string{
		"AWS_LAMBDA_FUNCTION_NAME=console", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	}, logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })

	cases := []struct {
		name, routeKey, rawPath, proxy string
		status                         int
		contentType, location, body    string
	}{
		{"a module", "GET /console/{proxy+}", "/dev/console/app.js", "app.js", 200, "text/javascript; charset=utf-8", "", "import * as api"},
		{"the page", "GET /console/{proxy+}", "/dev/console/", "", 200, "text/html; charset=utf-8", "", `<script type="module" src="app.js">`},
		{"the bare path", "GET /console", "/dev/console", "", 301, "text/plain; charset=utf-8", "console/", ""},
		{"an unknown file", "GET /console/{proxy+}", "/dev/console/x.js", "x.js", 404, "text/plain; charset=utf-8", "", "Not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: c.routeKey, RawPath: c.rawPath, Headers: map[string]string{}}
			ev.RequestContext.HTTP.Method = "GET"
			ev.RequestContext.Stage, ev.RequestContext.RequestID = "dev", c.name
			if c.proxy != "" {
				ev.PathParameters = map[string]string{"proxy": c.proxy}
			}
			payload, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := em.Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("%v\n%s", err, logs.String())
			}
			var resp events.APIGatewayV2HTTPResponse
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&resp); err != nil {
				t.Fatalf("not an HTTP API response: %v: %s", err, raw)
			}
			if resp.StatusCode != c.status || resp.Headers["Content-Type"] != c.contentType || resp.Headers["Location"] != c.location {
				t.Errorf("got %d %q Location %q, want %d %q %q", resp.StatusCode, resp.Headers["Content-Type"], resp.Headers["Location"],
					c.status, c.contentType, c.location)
			}
			if !strings.Contains(resp.Body, c.body) || resp.IsBase64Encoded {
				t.Errorf("body %.80q (base64 %v) does not contain %q", resp.Body, resp.IsBase64Encoded, c.body)
			}
			// The function's output reaches logs through the emulator's pipe,
			// possibly after the invocation's answer.
			line := `"msg":"request","requestId":"` + c.name + `","route":"` + c.routeKey + `","status":` + strconv.Itoa(c.status) + `,`
			for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), line); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Errorf("no request log line %s in:\n%s", line, logs.String())
					break
				}
			}
			if csp := resp.Headers["Content-Security-Policy"]; !strings.Contains(csp, "script-src 'self'") || resp.Headers["X-Frame-Options"] != "DENY" {
				t.Errorf("security headers missing: %v", resp.Headers)
			}
		})
	}
}
