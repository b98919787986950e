package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestRunPrintsTheFunctionsResponse runs `make invoke`'s program end to end:
// build, embedded seeded store, emulator, one event, printed response.
func TestRunPrintsTheFunctionsResponse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on linux, not %s", runtime.GOOS)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	out, logs := &testkit.SyncBuffer{}, &testkit.SyncBuffer{}
	if err := run(t.Context(), "update-client", "../../events/update-client-duplicate-email.json", getenv, out, logs); err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal([]byte(out.String()), &resp); err != nil {
		t.Fatalf("output is not the function's JSON response: %v\n%s", err, out)
	}
	// 409 proves the store was seeded: Jane owns the email the event takes.
	if resp.StatusCode != 409 || !strings.Contains(resp.Body, "Email is already in use") {
		t.Errorf("got %d %s", resp.StatusCode, resp.Body)
	}
}

func TestRunRefusesAnUnknownFunctionAnotherFunctionsEventOrAMissingFile(t *testing.T) {
	getenv := func(string) string { return "" }
	cases := []struct{ fn, event, want string }{
		{"nope", "", "not a folder of functions/"},
		{"update-client", "../../events/get-client.json", "belongs to function get-client"},
		{"update-client", "../../events/update-client-nope.json", "no such file"},
	}
	for _, c := range cases {
		err := run(t.Context(), c.fn, c.event, getenv, &testkit.SyncBuffer{}, &testkit.SyncBuffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%q, %q) = %v, want an error containing %q", c.fn, c.event, err, c.want)
		}
	}
}
