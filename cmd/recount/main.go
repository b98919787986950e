// Command recount sets a table's client counts (the totals of
// GET /admin/clients) to the clients it holds and marks them ready: the
// one-off step after upgrading a stack whose table held clients before
// counts existed (docs/deploying.md). Until it runs, listings stay exact
// but count the whole index, as before. It is safe while the service
// writes: a write that changes a count during the recount makes it count
// again (store.Recount).
//
//	TABLE_NAME=outbound-caller-clients go run ./cmd/recount
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/store"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "recount:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	table := getenv("TABLE_NAME")
	if table == "" {
		return fmt.Errorf("TABLE_NAME is not set")
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("AWS configuration: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if e := config.EndpointURL(getenv, "DYNAMODB"); e != "" {
			o.BaseEndpoint = aws.String(e)
			// Local emulators (minidyn, moto) send no valid X-Amz-Crc32.
			o.DisableValidateResponseChecksum = true
		}
	})
	c, err := store.Recount(ctx, db, table, func() string { return client.FormatTime(time.Now()) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d clients", table, c.All)
	for _, st := range []client.Status{client.StatusActive, client.StatusInactive, client.StatusSuspended} {
		fmt.Fprintf(out, ", %d %s", c.Of(st), st)
	}
	fmt.Fprintln(out, "; counts ready")
	return nil
}
