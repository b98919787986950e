package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/internal/localdb"
)

// TestRunServesItsStore: make run serves its embedded store beside its API
// (a DynamoDB endpoint at /dynamodb, where the seeded table is), prints it,
// and names it and the table at GET /dynamodb, so that make migrate finds
// them with nothing configured (issue 22 item 1). Before, the store lived
// in the process on a port nobody was told.
func TestRunServesItsStore(t *testing.T) {
	base, printed := startLocal(t)
	endpoint := base + localdb.StorePath
	if want := "store: AWS_ENDPOINT_URL_DYNAMODB=" + endpoint + " TABLE_NAME=local-test\n"; !strings.Contains(printed, want) {
		t.Errorf("make run does not print %q:\n%s", want, printed)
	}
	status, body := send(t, http.MethodGet, endpoint, "")
	var named struct{ Endpoint, TableName string }
	if err := json.Unmarshal([]byte(body), &named); status != http.StatusOK || err != nil || named.Endpoint != endpoint || named.TableName != "local-test" {
		t.Errorf("GET /dynamodb: %d %s, want the endpoint %s and the table local-test", status, body, endpoint)
	}
	db, err := localdb.Client(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String("local-test")})
	if err != nil {
		t.Fatalf("Scan through make run's store endpoint: %v", err)
	}
	if out.Count == 0 {
		t.Errorf("the store at %s holds %d items of the seeded table, want the demo clients", endpoint, out.Count)
	}
}
