package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	adminapi "github.com/outbound-caller/admin-api"
	"github.com/outbound-caller/admin-api/internal/testkit"
)

// startLocal starts the local server as `make run` does and returns its
// base URL and what it printed, once it listens.
func startLocal(t *testing.T) (string, string) {
	t.Helper()
	port := testkit.FreePort(t)
	env := map[string]string{"PORT": port, "TABLE_NAME": "local-test"}
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	for i := 0; i < 200 && !strings.Contains(out.String(), "Listening"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Listening") {
		t.Fatalf("server did not start:\n%s", out.String())
	}
	return "http://127.0.0.1:" + port, out.String()
}

func send(t *testing.T, method, url, body string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

// TestRunServesSeedExamples replays the seed document's curl examples with
// the token `make run` prints.
func TestRunServesSeedExamples(t *testing.T) {
	base, out := startLocal(t)
	m := regexp.MustCompile(`(?m)^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no token printed:\n%s", out)
	}
	token := m[1]
	for _, tc := range []struct {
		name, path, body string
		status           int
		fragment         string
	}{
		{"contact", testkit.JohnPath, `{"clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234"}}`, 200, `"message":"Client updated successfully"`},
		{"status", testkit.JohnPath, `{"status":"Inactive"}`, 200, `"status":"Inactive"`},
		{"resources", testkit.JohnPath, `{"agentId":"new_agent_id","twilioPhoneNumber":"+18005559876"}`, 200, `"clientId":"client_12345abcde"`},
		{"duplicate email", testkit.JohnPath, `{"clientMeta":{"email":"jane.doe@example.com"}}`, 409, `"details":"Email is already in use by another client"`},
		{"unknown client", "/admin/clients/client_nobody", `{"status":"Active"}`, 404, `{"error":"Client not found","statusCode":404}`},
	} {
		status, body := send(t, http.MethodPut, base+tc.path, tc.body, "Authorization", "Bearer "+token, "Content-Type", "application/json")
		if status != tc.status || !strings.Contains(body, tc.fragment) {
			t.Errorf("%s: got %d %s", tc.name, status, body)
		}
	}
}

// TestRunAcceptsTheOriginalCreateExample: the original service's documented
// create request, sent verbatim to `make run`, creates the client and
// echoes its calId.
func TestRunAcceptsTheOriginalCreateExample(t *testing.T) {
	base, out := startLocal(t)
	m := regexp.MustCompile(`(?m)^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no token printed:\n%s", out)
	}
	status, body := send(t, http.MethodPost, base+"/admin/clients", testkit.OriginalCreateBody,
		"Authorization", "Bearer "+m[1], "Content-Type", "application/json")
	if status != 201 || !strings.Contains(body, `"calId":"`+testkit.OriginalCalID+`"`) ||
		!strings.Contains(body, `"clientId":"`+testkit.OriginalID+`"`) {
		t.Errorf("got %d %s", status, body)
	}
}

// TestRunPrintsWorkingSignIns: the admin username and password and the demo
// clients' secrets that `make run` prints sign in.
func TestRunPrintsWorkingSignIns(t *testing.T) {
	base, out := startLocal(t)
	// Two accounts: the full admin (no scope claim) and the read-only
	// support account (scope read:clients), each signs in as printed.
	admins := regexp.MustCompile(`username (\S+)  password (\S+)`).FindAllStringSubmatch(out, -1)
	if len(admins) != 2 {
		t.Fatalf("want two admin sign-ins printed:\n%s", out)
	}
	for i, want := range []struct{ username, scope string }{{"admin", "(none)"}, {"support", "read:clients"}} {
		a := admins[i]
		status, body := send(t, http.MethodPost, base+"/auth/admin/login", `{"username":"`+a[1]+`","password":"`+a[2]+`"}`, "Content-Type", "application/json")
		if status != 200 || !strings.Contains(body, `"success":true`) {
			t.Fatalf("%s sign-in: %d %s", a[1], status, body)
		}
		var got struct{ Token string }
		_ = json.Unmarshal([]byte(body), &got)
		claims := map[string]any{}
		if parts := strings.Split(got.Token, "."); len(parts) == 3 {
			raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
			_ = json.Unmarshal(raw, &claims)
		}
		scope, ok := claims["scope"].(string)
		if !ok {
			scope = "(none)"
		}
		if a[1] != want.username || claims["sub"] != want.username || scope != want.scope {
			t.Errorf("sign-in %d: username %s, sub %v, scope %s; want %s with scope %s", i, a[1], claims["sub"], scope, want.username, want.scope)
		}
	}
	clients := regexp.MustCompile(`clientId (\S+)  clientSecret (\S+)`).FindAllStringSubmatch(out, -1)
	if len(clients) != 2 {
		t.Fatalf("want two demo client secrets printed:\n%s", out)
	}
	for _, c := range clients {
		status, body := send(t, http.MethodPost, base+"/auth/login", `{"clientId":"`+c[1]+`","clientSecret":"`+c[2]+`"}`, "Content-Type", "application/json")
		if status != 200 || !strings.Contains(body, `"clientId":"`+c[1]+`"`) {
			t.Errorf("client %s sign-in: %d %s", c[1], status, body)
		}
	}
}

// TestRunServesTheOpenAPISpec: `make run` serves the contract it is tested
// against at /openapi.yaml.
func TestRunServesTheOpenAPISpec(t *testing.T) {
	base, _ := startLocal(t)
	resp, err := http.Get(base + "/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(body, adminapi.OpenAPI()) {
		t.Errorf("GET /openapi.yaml: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

// TestRunRefusesABusyPortAtOnce: a port clash is the first and only thing
// make run says, naming PORT and a port that is free, before any start-up
// work (hashing, the store) is done.
func TestRunRefusesABusyPortAtOnce(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	out := &testkit.SyncBuffer{}
	start := time.Now()
	err = run(context.Background(), func(k string) string { return map[string]string{"PORT": port}[k] }, out)
	took := time.Since(start)
	if err == nil {
		t.Fatal("run served on a busy port")
	}
	m := regexp.MustCompile(`^port ` + port + ` is in use; run PORT=(\d+) make run$`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("message %q does not name the port and a PORT to use", err)
	}
	if free, err := net.Listen("tcp", "127.0.0.1:"+m[1]); err != nil {
		t.Errorf("the suggested port %s is not free: %v", m[1], err)
	} else {
		free.Close()
	}
	if out.String() != "" {
		t.Errorf("printed before refusing:\n%s", out.String())
	}
	// Hashing the development password alone takes longer than this.
	if took > 500*time.Millisecond {
		t.Errorf("took %v to refuse: start-up work ran before the port was bound", took)
	}
}

// TestInterruptStopsCleanly: Ctrl-C (SIGINT) on the built server ends it
// with a message and exit status 0, so that make reports no error.
func TestInterruptStopsCleanly(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "local")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := testkit.FreePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+port, "AWS_ENDPOINT_URL_DYNAMODB=", "ADMIN_JWT_SECRET=", "ADMIN_JWKS_URL=")
	out := &testkit.SyncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 600 && !strings.Contains(out.String(), "Listening"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Listening") {
		_ = cmd.Process.Kill()
		t.Fatalf("the server did not start:\n%s", out.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after Ctrl-C: %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running 10 s after Ctrl-C")
	}
	if !strings.Contains(out.String(), "Shutting down") || !strings.HasSuffix(out.String(), "Stopped.\n") {
		t.Errorf("no shutdown message:\n%s", out.String())
	}
}

// TestRootPointsToTheConsoleAndTheDocs: GET / was a JSON 404.
func TestRootPointsToTheConsoleAndTheDocs(t *testing.T) {
	base, _ := startLocal(t)
	for _, tc := range []struct{ accept, want string }{
		{"text/html,application/xhtml+xml", `href="/console/"`},
		{"*/*", `"console":"/console/","contract":"/openapi.yaml"`},
		{"", `"console":"/console/"`},
	} {
		status, body := send(t, http.MethodGet, base+"/", "", "Accept", tc.accept)
		if status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET / (Accept %q): %d %s", tc.accept, status, body)
		}
	}
	// Every other unknown path is still the API's 404.
	if status, _ := send(t, http.MethodGet, base+"/nothing-here", ""); status != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d", status)
	}
}
