package localdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// BenchmarkCreate is make run's create (store.Create over HTTP into the
// embedded store) in a table of 100 clients and in one of 20,000: with the
// undo log (third_party/minidyn/README.md) the two cost the same; before
// it, each create copied the whole table. It reports the store's work per
// create (core.Cost) beside the time: copied/op, sorted/op.
func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const table = "bench"
	for _, size := range []int{100, 20000} {
		b.Run(fmt.Sprintf("clients=%d", size), func(b *testing.B) {
			emb := localdb.Start()
			defer emb.Close()
			db, err := localdb.Client(ctx, emb.URL)
			if err != nil {
				b.Fatal(err)
			}
			if err := store.CreateTable(ctx, db, table); err != nil {
				b.Fatal(err)
			}
			clients := make([]client.Client, size)
			for i := range clients {
				clients[i] = someClient(i, now)
			}
			if err := store.Load(ctx, db, table, clients); err != nil {
				b.Fatal(err)
			}
			st := store.New(db, table, nil)
			before, err := emb.Server.TableCost(table)
			if err != nil {
				b.Fatal(err)
			}
			next := size
			for b.Loop() {
				if err := st.Create(ctx, someClient(next, now), "hash", localdb.SeedOrigin()); err != nil {
					b.Fatal(err)
				}
				next++
			}
			after, err := emb.Server.TableCost(table)
			if err != nil {
				b.Fatal(err)
			}
			n := float64(next - size)
			b.ReportMetric(float64(after.ItemsCopied-before.ItemsCopied)/n, "copied/op")
			b.ReportMetric(float64(after.KeysSorted-before.KeysSorted)/n, "sorted/op")
		})
	}
}
