// Package listcost measures what GET /admin/clients reads, in index items
// (DynamoDB's ScannedCount: what it reads and bills), at several table
// sizes, and what keeping the counts costs a write, in calls and
// transaction items: cmd/bench/listcost runs it, cmd/bench/benchreport
// reports it. Each table is loaded by BatchWriteItem (store.Load: the item
// shapes and counts Create writes, without transactions, as the guide asks
// for large moto tables). Counts, not times: the figures are the same on
// every machine.
package listcost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// Report is the JSON listcost writes.
type Report struct {
	Store string `json:"store"`
	Sizes []Size `json:"sizes"`
	// PerWrite is the items of each write's transaction, the counter
	// shard included, and its calls.
	PerWrite []Write `json:"perWrite"`
}

// Size is what each kind of page of 20 read at one table size.
type Size struct {
	Clients int            `json:"clients"`
	Reads   map[string]int `json:"reads"` // page kind → index items read
	Totals  map[string]int `json:"totals"`
}

// Write is one kind of write's cost.
type Write struct {
	Kind       string `json:"kind"`
	Calls      string `json:"calls"`
	TxItems    int    `json:"txItems"`    // items of its transaction
	CountItems int    `json:"countItems"` // of which counter shards
}

// Kinds are the pages measured, in report order.
var Kinds = []string{"first page", "cursor page", "status page", "offset 40", "search (no match)", "counts (BatchGetItem keys)", before}

// before is the first page of the same table without its counts' ready
// marker: total counted by a COUNT Query of the whole index, as every page
// did before counts existed (and as a table does until cmd/recount).
const before = "first page before counts (COUNT query)"

// counter wraps the DynamoDB client: index items read by Query, keys read
// by BatchGetItem, and the calls and items of transactions.
type counter struct {
	store.BatchAPI
	items, keys atomic.Int64
	calls       []string
	txItems     []int
}

func (c *counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.BatchAPI.Query(ctx, in, o...)
	if err == nil {
		c.items.Add(int64(max(out.ScannedCount, out.Count)))
	}
	c.calls = append(c.calls, "Query")
	return out, err
}

func (c *counter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for _, ka := range in.RequestItems {
		c.keys.Add(int64(len(ka.Keys)))
	}
	c.calls = append(c.calls, "BatchGetItem")
	return c.BatchAPI.BatchGetItem(ctx, in, o...)
}

func (c *counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.calls = append(c.calls, "UpdateItem")
	return c.BatchAPI.UpdateItem(ctx, in, o...)
}

func (c *counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.calls = append(c.calls, "GetItem")
	return c.BatchAPI.GetItem(ctx, in, o...)
}

func (c *counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.calls = append(c.calls, "TransactWriteItems")
	c.txItems = append(c.txItems, len(in.TransactItems))
	return c.BatchAPI.TransactWriteItems(ctx, in, o...)
}

func (c *counter) reset() {
	c.items.Store(0)
	c.keys.Store(0)
	c.calls, c.txItems = nil, nil
}

// Run measures on the store at endpoint (the embedded store when empty)
// at each of sizes.
func Run(ctx context.Context, endpoint string, sizes []int, progress io.Writer) (Report, error) {
	rep := Report{Store: "embedded"}
	if endpoint == "" {
		emb := localdb.Start()
		defer emb.Close()
		endpoint = emb.URL
	} else {
		rep.Store = "moto"
	}
	db, err := localdb.Client(ctx, endpoint)
	if err != nil {
		return Report{}, err
	}
	for _, n := range sizes {
		start := time.Now()
		s, err := measure(ctx, db, n)
		if err != nil {
			return Report{}, err
		}
		fmt.Fprintf(progress, "listcost: %s, %d clients: %v (%s)\n", rep.Store, n, s.Reads, time.Since(start).Round(time.Second))
		rep.Sizes = append(rep.Sizes, s)
	}
	if rep.PerWrite, err = writes(ctx, db); err != nil {
		return Report{}, err
	}
	return rep, nil
}

func newTable(ctx context.Context, db *dynamodb.Client) (string, error) {
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	table := "listcost-" + hex.EncodeToString(id)
	return table, store.CreateTable(ctx, db, table)
}

// population is n clients a second apart, a third Suspended; none matches
// the search "zzz".
func population(n int) []client.Client {
	base := time.Now().Add(-time.Duration(n) * time.Second).UTC()
	cs := make([]client.Client, n)
	for i := range n {
		at := base.Add(time.Duration(i) * time.Second)
		cs[i] = client.Client{
			ClientID: fmt.Sprintf("client_cost_%06d", i), Status: client.StatusActive, AgentID: "agent",
			TwilioPhoneNumber: fmt.Sprintf("+1415%07d", i),
			Meta:              client.Meta{FullName: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i), BusinessName: "Example Ltd"},
			CreatedAt:         at, UpdatedAt: at, TokensValidAfter: at, Version: 1, UpdatedBy: "load",
		}
		if i%3 == 0 {
			cs[i].Status = client.StatusSuspended
		}
	}
	return cs
}

func measure(ctx context.Context, db *dynamodb.Client, n int) (Size, error) {
	table, err := newTable(ctx, db)
	if err != nil {
		return Size{}, err
	}
	if err := store.Load(ctx, db, table, population(n)); err != nil {
		return Size{}, err
	}
	c := &counter{BatchAPI: db}
	s := store.New(c, table, nil)
	size := Size{Clients: n, Reads: map[string]int{}, Totals: map[string]int{}}
	first, err := s.List(ctx, client.ListQuery{Limit: 20})
	if err != nil {
		return Size{}, err
	}
	for _, k := range Kinds[:5] {
		q := map[string]client.ListQuery{
			"first page":        {Limit: 20},
			"cursor page":       {Limit: 20, After: first.Next},
			"status page":       {Limit: 20, Status: client.StatusSuspended},
			"offset 40":         {Limit: 20, Offset: 40},
			"search (no match)": {Limit: 20, Search: "zzz"},
		}[k]
		c.reset()
		p, err := s.List(ctx, q)
		if err != nil {
			return Size{}, err
		}
		size.Reads[k] = int(c.items.Load())
		size.Totals[k] = p.Total
		if k == "first page" {
			size.Reads[Kinds[5]] = int(c.keys.Load())
		}
	}
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "COUNT#ready"},
	}}); err != nil {
		return Size{}, err
	}
	c.reset()
	p, err := s.List(ctx, client.ListQuery{Limit: 20})
	if err != nil {
		return Size{}, err
	}
	size.Reads[before], size.Totals[before] = int(c.items.Load()), p.Total
	return size, nil
}

// writes measures a create, a status change, a PUT naming the stored
// status, and a delete: their calls and transaction items.
func writes(ctx context.Context, db *dynamodb.Client) ([]Write, error) {
	table, err := newTable(ctx, db)
	if err != nil {
		return nil, err
	}
	c := &counter{BatchAPI: db}
	s := store.New(c, table, nil)
	cl := population(1)[0]
	var ws []Write
	record := func(kind string, f func() error) error {
		c.reset()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		w := Write{Kind: kind, Calls: strings.Join(c.calls, " + ")}
		for _, n := range c.txItems {
			w.TxItems += n
		}
		if w.TxItems > 0 && kind != "PUT naming the stored status" {
			w.CountItems = 1
		}
		ws = append(ws, w)
		return nil
	}
	steps := []struct {
		kind string
		f    func() error
	}{
		{"create", func() error {
			return s.Create(ctx, cl, "", client.Origin{Action: client.ActionCreate, Actor: client.Actor{Sub: "bench", Role: client.RoleAdmin}})
		}},
		{"PUT naming the stored status", func() error {
			_, err := s.Update(ctx, cl.ClientID, client.UpdateOf(map[string]string{"status": string(cl.Status)}), client.Write{By: "bench"})
			return err
		}},
		{"status change", func() error {
			_, err := s.Update(ctx, cl.ClientID, client.UpdateOf(map[string]string{"status": string(client.StatusActive)}), client.Write{By: "bench"})
			return err
		}},
		{"delete", func() error { return s.Delete(ctx, cl.ClientID, client.Write{By: "bench"}) }},
	}
	for _, st := range steps {
		if err := record(st.kind, st.f); err != nil {
			return nil, err
		}
	}
	return ws, nil
}
