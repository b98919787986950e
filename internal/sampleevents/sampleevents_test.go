package sampleevents_test

import (
	"testing"

	"github.com/outbound-caller/admin-api/internal/sampleevents"
)

func TestFunctionForPicksTheLongestFolderPrefix(t *testing.T) {
	fns := []string{"get-client", "get-own-client", "update-client", "update-own-client", "list-clients", "client-login"}
	cases := []struct {
		file, want string
		ok         bool
	}{
		{"events/update-client.json", "update-client", true},
		{"update-client-not-found.json", "update-client", true},
		{"update-own-client-bad.json", "update-own-client", true},
		{"get-client.json", "get-client", true},
		{"list-clients-page-2.json", "list-clients", true},
		{"get-clients.json", "", false}, // a prefix must end at a "-" or ".json"
		{"client-login-wrong-secret.json", "client-login", true},
		{"delete-client.json", "", false},
	}
	for _, c := range cases {
		got, ok := sampleevents.FunctionFor(c.file, fns)
		if got != c.want || ok != c.ok {
			t.Errorf("FunctionFor(%q) = %q, %v; want %q, %v", c.file, got, ok, c.want, c.ok)
		}
	}
}

func TestEveryEventBelongsToAFunctionAndHasAnOutcome(t *testing.T) {
	fns, err := sampleevents.Functions("../..")
	if err != nil || len(fns) == 0 {
		t.Fatalf("no functions: %v", err)
	}
	files, err := sampleevents.Files("../..")
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	outcomes := sampleevents.Outcomes()
	for _, f := range files {
		if _, ok := sampleevents.FunctionFor(f, fns); !ok {
			t.Errorf("%s: no function folder prefixes its name", f)
		}
		if _, ok := outcomes[f[len("../../events/"):]]; !ok {
			t.Errorf("%s: no entry in Outcomes", f)
		}
	}
}
