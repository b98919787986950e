package localdb_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// TestOpenWithCreateTable0UsesTheExistingTableOnly: CREATE_TABLE=0 (make
// deploy-check) refuses a table that does not exist rather than create one
// from the code's schema, and uses one that does as it is.
func TestOpenWithCreateTable0UsesTheExistingTableOnly(t *testing.T) {
	ctx := context.Background()
	emb := localdb.Start()
	t.Cleanup(emb.Close)
	env := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": emb.URL, "CREATE_TABLE": "0"}
	getenv := func(k string) string { return env[k] }

	if _, err := localdb.Open(ctx, getenv, "missing", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "CREATE_TABLE=0") {
		t.Errorf("a missing table: %v, want an error naming CREATE_TABLE=0", err)
	}
	db, err := localdb.Client(ctx, emb.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("missing")}); err == nil {
		t.Error("Open created the missing table")
	}
	if err := store.CreateTable(ctx, db, "existing"); err != nil {
		t.Fatal(err)
	}
	l, err := localdb.Open(ctx, getenv, "existing", nil, io.Discard)
	if err != nil {
		t.Fatalf("an existing table: %v", err)
	}
	l.Close()
}
