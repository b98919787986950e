package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// likeMakeRun serves an embedded store with the service's table as make
// run does (cmd/local): beside its API, at localdb.StorePath, where a GET
// names the store and the table. It returns make run's address (the docs'
// API) and a client of the store.
func likeMakeRun(t *testing.T) (string, *dynamodb.Client) {
	t.Helper()
	emb := localdb.Start()
	t.Cleanup(emb.Close)
	mux := http.NewServeMux()
	mux.Handle("POST "+localdb.StorePath, emb.Server)
	api := httptest.NewServer(mux)
	t.Cleanup(api.Close)
	mux.HandleFunc("GET "+localdb.StorePath, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"endpoint":%q,"tableName":%q}`, api.URL+localdb.StorePath, config.DefaultTable)
	})
	db, err := localdb.Client(t.Context(), api.URL+localdb.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTable(t.Context(), db, config.DefaultTable); err != nil {
		t.Fatal(err)
	}
	return api.URL, db
}

// TestMigrateFindsMakeRunsStore: with nothing configured (no endpoint,
// table or secret), the tool is being tried locally: it uses the store and
// table make run names at $API/dynamodb (API as the docs set it), with no
// AWS credentials or region; without make run it says to start it, and an
// API that is not on this machine is refused. Before,
// nothing configured meant AWS and a refusal to use the development key.
func TestMigrateFindsMakeRunsStore(t *testing.T) {
	if localStorePath != localdb.StorePath {
		t.Fatalf("the tool looks for make run's store at %q, make run serves it at %q", localStorePath, localdb.StorePath)
	}
	for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // a fallback to IMDS fails at once
	api, db := likeMakeRun(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	path := exportFile(t, corpus()[0])
	for _, tc := range []struct {
		name   string
		api    string
		args   []string
		code   int
		stderr string
		// imported: the export's client is in make run's store afterwards
		imported bool
	}{
		{"a dry run finds make run's store", api, []string{"-dry-run"}, exitOK, "trying it locally, in make run's store at " + api + "/dynamodb, table " + config.DefaultTable, false},
		{"a run writes into it", api, nil, exitOK, "public development default", true},
		{"no make run", closed.URL, nil, exitFailed, "make run does not answer at " + closed.URL, true},
		{"API elsewhere", "https://admin.example.com", nil, exitFailed, "is not on this machine", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			getenv := func(k string) string {
				if k == "API" {
					return tc.api
				}
				return ""
			}
			code := run(t.Context(), append([]string{"-from", path}, tc.args...), getenv, &out, &errOut, false)
			if code != tc.code || !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("exit %d, want %d; stderr does not say %q:\n%s%s", code, tc.code, tc.stderr, out.String(), errOut.String())
			}
			_, err := store.New(db, config.DefaultTable, nil).Get(t.Context(), "5C3JSOVVFiVmBoh8mv3I")
			if imported := err == nil; imported != tc.imported {
				t.Errorf("the client is in make run's store: %v (%v), want %v", imported, err, tc.imported)
			}
		})
	}
}
