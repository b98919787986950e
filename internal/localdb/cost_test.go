package localdb_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/core"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// The flat-cost tests of the embedded store's transactions (issue 22 item
// 6). Upstream minidyn deep-copied every item of a table before each
// transaction and re-sorted its key lists on every insert, so each create
// cost O(table) and an import of 10,000 clients was quadratic; the patch
// (third_party/minidyn/README.md) keeps an undo log of the keys a
// transaction writes instead. The tests count the store's work
// (core.Cost: stored items copied, keys sorted), never time it.

// plainTable is a table of n items with a sparse index, byGroup: item i
// is pk item-i, in group g(i%10), at rank i.
const plainTable = "plain"

func plainItem(pk, grp, rank string) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		"pk":      &types.AttributeValueMemberS{Value: pk},
		"grp":     &types.AttributeValueMemberS{Value: grp},
		"payload": &types.AttributeValueMemberS{Value: "v"},
	}
	if rank != "" {
		item["rank"] = &types.AttributeValueMemberS{Value: rank}
	}
	return item
}

func plainKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
}

func itemPK(i int) string { return fmt.Sprintf("item-%06d", i) }

func startPlain(t *testing.T, n int) (*localdb.Embedded, *dynamodb.Client) {
	t.Helper()
	ctx := context.Background()
	emb := localdb.Start()
	t.Cleanup(emb.Close)
	db, err := localdb.Client(ctx, emb.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(plainTable), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("pk"), s("grp"), s("rank")},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byGroup"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("grp"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("rank"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < n; start += 25 {
		var batch []types.WriteRequest
		for i := start; i < min(start+25, n); i++ {
			batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{
				Item: plainItem(itemPK(i), fmt.Sprintf("g%d", i%10), fmt.Sprintf("%06d", i)),
			}})
		}
		if _, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{plainTable: batch},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return emb, db
}

// mixedTransaction puts a new item, moves one item within the index (an
// update), takes one out of it (replaced without its range key: minidyn
// ignores a top-level REMOVE), deletes one, replaces one with another
// group, and ends with a condition check on item 5 that
// holds when last holds.
func mixedTransaction(last bool) *dynamodb.TransactWriteItemsInput {
	tbl := aws.String(plainTable)
	check := "attribute_not_exists(pk)"
	if last {
		check = "attribute_exists(pk)"
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: plainItem("new-1", "g1", "999999"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: &types.Update{
			TableName: tbl, Key: plainKey(itemPK(1)), ConditionExpression: aws.String("attribute_exists(pk)"),
			UpdateExpression:          aws.String("SET grp = :g, #r = :r"),
			ExpressionAttributeNames:  map[string]string{"#r": "rank"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": &types.AttributeValueMemberS{Value: "gx"}, ":r": &types.AttributeValueMemberS{Value: "000000"}},
		}},
		{Put: &types.Put{TableName: tbl, Item: plainItem(itemPK(2), "g2", "")}},
		{Delete: &types.Delete{TableName: tbl, Key: plainKey(itemPK(3))}},
		{Put: &types.Put{TableName: tbl, Item: plainItem(itemPK(4), "gx", "000004")}},
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: plainKey(itemPK(5)), ConditionExpression: aws.String(check)}},
	}}
}

// plainState is what a reader sees of the items the mixed transaction
// touches: each one, each touched group of the index, and the counts.
func plainState(t *testing.T, db *dynamodb.Client) map[string]any {
	t.Helper()
	ctx := context.Background()
	state := map[string]any{}
	for _, pk := range []string{"new-1", itemPK(1), itemPK(2), itemPK(3), itemPK(4), itemPK(5)} {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(plainTable), Key: plainKey(pk)})
		if err != nil {
			t.Fatal(err)
		}
		state[pk] = out.Item
	}
	for _, g := range []string{"g1", "g2", "g3", "g4", "gx"} {
		out, err := db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(plainTable), IndexName: aws.String("byGroup"),
			KeyConditionExpression:    aws.String("grp = :g"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": &types.AttributeValueMemberS{Value: g}},
		})
		if err != nil {
			t.Fatal(err)
		}
		state["index "+g] = out.Items
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(plainTable)})
	if err != nil {
		t.Fatal(err)
	}
	state["table items"] = aws.ToInt64(out.Table.ItemCount)
	state["index items"] = aws.ToInt64(out.Table.GlobalSecondaryIndexes[0].ItemCount)
	return state
}

// TestTransactionCostIsFlat: the same transaction (a put, an update, two
// replaces, a delete, a condition check) costs the embedded store the same
// work in a table of 1,000 items as in one of 20,000, whether it commits
// or rolls back. Before the patch: one transaction copied every item and
// index entry of the table (2,000 at 1,000 items, 40,000 at 20,000).
func TestTransactionCostIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 21,000 items")
	}
	ctx := context.Background()
	cost := map[string]map[int]core.Cost{"commit": {}, "rollback": {}}
	for _, size := range []int{1000, 20000} {
		emb, db := startPlain(t, size)
		for _, tc := range []struct {
			name string
			last bool
		}{{"rollback", false}, {"commit", true}} {
			before, err := emb.Server.TableCost(plainTable)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.TransactWriteItems(ctx, mixedTransaction(tc.last))
			if _, cancelled := errors.AsType[*types.TransactionCanceledException](err); tc.last == cancelled || (tc.last && err != nil) {
				t.Fatalf("%s at %d items: %v", tc.name, size, err)
			}
			after, err := emb.Server.TableCost(plainTable)
			if err != nil {
				t.Fatal(err)
			}
			cost[tc.name][size] = core.Cost{ItemsCopied: after.ItemsCopied - before.ItemsCopied, KeysSorted: after.KeysSorted - before.KeysSorted}
		}
	}
	for name, bySize := range cost {
		if bySize[1000] != bySize[20000] {
			t.Errorf("one %s's work in the embedded store: %+v at 1,000 items, %+v at 20,000; want the same", name, bySize[1000], bySize[20000])
		}
		// Four items written that existed, each with one index entry.
		if bySize[20000].ItemsCopied > 8 {
			t.Errorf("one %s copied %d stored items and index entries; want at most the 8 it writes", name, bySize[20000].ItemsCopied)
		}
	}
}

// TestFailedTransactionChangesNothing: a transaction whose last item's
// condition fails leaves every item its earlier items wrote as it was —
// the new item absent, the moved, unindexed, deleted and replaced ones
// back — and the index with them (its queries and its item count), and
// then the same transaction commits whole.
func TestFailedTransactionChangesNothing(t *testing.T) {
	ctx := context.Background()
	_, db := startPlain(t, 50)
	before := plainState(t, db)
	_, err := db.TransactWriteItems(ctx, mixedTransaction(false))
	if _, ok := errors.AsType[*types.TransactionCanceledException](err); !ok {
		t.Fatalf("the failing transaction: %v, want TransactionCanceledException", err)
	}
	if after := plainState(t, db); !reflect.DeepEqual(after, before) {
		for k, v := range before {
			if !reflect.DeepEqual(after[k], v) {
				t.Errorf("%s after a failed transaction:\n%v\nwant as before:\n%v", k, after[k], v)
			}
		}
	}
	if _, err := db.TransactWriteItems(ctx, mixedTransaction(true)); err != nil {
		t.Fatal(err)
	}
	after := plainState(t, db)
	if after["new-1"] == nil || len(after[itemPK(3)].(map[string]types.AttributeValue)) != 0 {
		t.Errorf("the committed transaction: new-1 %v, item 3 %v; want new-1 written, item 3 deleted", after["new-1"], after[itemPK(3)])
	}
	if got, want := after["index items"], before["index items"].(int64)-1; got != want {
		t.Errorf("index items after the commit: %v, want %d (item 2 out of the index, item 3 deleted, new-1 in)", got, want)
	}
}

// someClient is the i-th of a table's clients: its id, email and Twilio
// number are its own, so that Load's and Create's locks never collide.
func someClient(i int, now time.Time) client.Client {
	return client.Client{
		ClientID: fmt.Sprintf("client_cost_%06d", i), Status: client.StatusActive, AgentID: "agent_cost",
		TwilioPhoneNumber: fmt.Sprintf("+1800%07d", i),
		Meta: client.Meta{
			FullName: fmt.Sprintf("Client %d", i), Email: fmt.Sprintf("c%06d@example.com", i), Phone: "+14155550100",
		},
		CreatedAt: now, UpdatedAt: now, UpdatedBy: "test", Version: 1, TokensValidAfter: now,
	}
}

// TestCreateCostIsFlat: the service's own create (store.Create: a client,
// its two locks and a counter shard in one transaction) sorts no key list
// and copies at most the items it writes, in a table of 100 clients as in
// one of 2,000 (upstream copied every item: 300 and 6,000).
// TestTransactionCostIsFlat holds the same at 20,000 items; the shard is
// random and may not exist yet, so the copies are bounded, not compared.
func TestCreateCostIsFlat(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const table = "cost"
	const creates = 3
	for _, size := range []int{100, 2000} {
		emb := localdb.Start()
		t.Cleanup(emb.Close)
		db, err := localdb.Client(ctx, emb.URL)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateTable(ctx, db, table); err != nil {
			t.Fatal(err)
		}
		clients := make([]client.Client, size)
		for i := range clients {
			clients[i] = someClient(i, now)
		}
		if err := store.Load(ctx, db, table, clients); err != nil {
			t.Fatal(err)
		}
		before, err := emb.Server.TableCost(table)
		if err != nil {
			t.Fatal(err)
		}
		st := store.New(db, table, nil)
		for i := range creates {
			if err := st.Create(ctx, someClient(size+i, now), "hash", localdb.SeedOrigin()); err != nil {
				t.Fatal(err)
			}
		}
		after, err := emb.Server.TableCost(table)
		if err != nil {
			t.Fatal(err)
		}
		if copied, sorted := after.ItemsCopied-before.ItemsCopied, after.KeysSorted-before.KeysSorted; copied > 4*creates || sorted != 0 {
			t.Errorf("%d creates in a table of %d clients copied %d stored items and sorted %d keys; want at most the %d items they write, and no sort",
				creates, size, copied, sorted, 4*creates)
		}
	}
}
