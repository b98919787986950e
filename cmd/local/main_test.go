package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/testenv"
)

// TestRunServesSeedExamples starts the local server as `make run` does and
// replays the seed document's curl examples with the token it prints.
func TestRunServesSeedExamples(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	env := map[string]string{"PORT": port, "TABLE_NAME": "local-test"}
	ctx, cancel := context.WithCancel(context.Background())
	out := &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var token string
	for i := 0; i < 100 && token == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := regexp.MustCompile(`(?m)^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$`).FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Listening") {
			token = m[1]
		}
	}
	if token == "" {
		t.Fatalf("no token printed:\n%s", out.String())
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		fragment         string
	}{
		{"contact", "/admin/clients/client_12345abcde", `{"clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234"}}`, 200, `"message":"Client updated successfully"`},
		{"status", "/admin/clients/client_12345abcde", `{"status":"Inactive"}`, 200, `"status":"Inactive"`},
		{"resources", "/admin/clients/client_12345abcde", `{"agentId":"new_agent_id","twilioPhoneNumber":"+18005559876"}`, 200, `"clientId":"client_12345abcde"`},
		{"duplicate email", "/admin/clients/client_12345abcde", `{"clientMeta":{"email":"jane.doe@example.com"}}`, 409, `"details":"Email is already in use by another client"`},
		{"unknown client", "/admin/clients/client_nobody", `{"status":"Active"}`, 404, `{"error":"Client not found","statusCode":404}`},
	} {
		req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:"+port+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(b.String(), tc.fragment) {
			t.Errorf("%s: got %d %s", tc.name, resp.StatusCode, b.String())
		}
	}
}
