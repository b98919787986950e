package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Counts layout. The number of clients, in all and by status, is kept in
// countShards counter items (COUNT#0 … COUNT#15), each holding the
// attribute allAttr and one attribute per status (named by the status),
// plus seqAttr, the number of changes it has seen. Every write that
// changes a count (create, delete, a status change; the migration's
// import is a create) adds its deltas to one shard chosen at random, as
// one more item of the transaction that makes the change: a count is
// never ahead of or behind the clients. A listing sums the shards, read
// in one BatchGetItem with the ready marker.
//
// Why shards: DynamoDB refuses a transaction that touches an item another
// transaction is writing (TransactionConflict). With one counter item,
// every create, delete and status change would contend for it; with
// sixteen, two concurrent writes meet on the same shard 1 time in 16, and
// the loser retries on another shard (retry). Each shard is one partition
// key, so the write ceiling is 16 × 1,000 writes/s, far above this
// service's rate (docs/performance.md).
//
// The ready marker (pk COUNT#ready: under the shards' key prefix, so that
// one IAM condition, dynamodb:LeadingKeys COUNT#*, covers what a listing
// reads) says the shards are exact: a table created by CreateTable has it
// from the start; a table that held clients before counts existed gets it
// from Recount. Without it, List counts the index as it always did.
const (
	countShards  = 16
	countPrefix  = "COUNT#"
	countsReady  = "COUNT#ready"
	allAttr      = "all"
	seqAttr      = "seq"
	readyAttr    = "initialisedAt"
	statusPrefix = "n" // a status's attribute: nActive, nInactive, nSuspended
)

// statuses are the statuses a client may have, each counted.
var statuses = []client.Status{client.StatusActive, client.StatusInactive, client.StatusSuspended}

func statusAttr(s client.Status) string { return statusPrefix + string(s) }

func shardKey(i int) map[string]types.AttributeValue {
	return itemKey(countPrefix + strconv.Itoa(i))
}

// countDelta is a change of the counts: all and each status by how much.
type countDelta struct {
	all    int
	status map[client.Status]int
}

func created(s client.Status) countDelta {
	return countDelta{all: 1, status: map[client.Status]int{s: 1}}
}

func deleted(s client.Status) countDelta {
	return countDelta{all: -1, status: map[client.Status]int{s: -1}}
}

func moved(from, to client.Status) countDelta {
	return countDelta{status: map[client.Status]int{from: -1, to: 1}}
}

// countItem is the transaction item that applies d to a random shard: an
// ADD, which creates the shard when it does not exist yet.
func (s *Store) countItem(d countDelta) types.TransactWriteItem {
	names := map[string]string{"#seq": seqAttr}
	values := map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}
	expr := "ADD #seq :one"
	add := func(attr string, n int) {
		if n == 0 {
			return
		}
		p := strconv.Itoa(len(names))
		names["#c"+p] = attr
		values[":c"+p] = &types.AttributeValueMemberN{Value: strconv.Itoa(n)}
		expr += ", #c" + p + " :c" + p
	}
	add(allAttr, d.all)
	for _, st := range statuses {
		add(statusAttr(st), d.status[st])
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.table, Key: shardKey(rand.IntN(countShards)),
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// Counts is the number of clients, in all and by status.
type Counts struct {
	All      int
	ByStatus map[client.Status]int
}

// Of is the count of the clients of status st, or of all when st is "".
func (c Counts) Of(st client.Status) int {
	if st == "" {
		return c.All
	}
	return c.ByStatus[st]
}

// countKeys are the keys read to sum the counts: the shards and the ready
// marker.
func countKeys() []map[string]types.AttributeValue {
	keys := make([]map[string]types.AttributeValue, 0, countShards+1)
	for i := range countShards {
		keys = append(keys, shardKey(i))
	}
	return append(keys, itemKey(countsReady))
}

// Counts sums the counter shards in one BatchGetItem (17 keys). ready is
// false when the table has no ready marker: its counts are not exact.
func (s *Store) Counts(ctx context.Context) (counts Counts, ready bool, err error) {
	items, err := s.batchGet(ctx, countKeys(), false)
	if err != nil {
		return Counts{}, false, err
	}
	counts, _, ready, err = sumCounts(items)
	return counts, ready, err
}

// sumCounts adds up the shards among items and reports each shard's seq
// and whether the ready marker is among them.
func sumCounts(items []map[string]types.AttributeValue) (Counts, map[string]string, bool, error) {
	c := Counts{ByStatus: map[client.Status]int{}}
	seqs := map[string]string{}
	ready := false
	for _, item := range items {
		pk, _ := item[keyAttr].(*types.AttributeValueMemberS)
		if pk == nil {
			continue
		}
		if pk.Value == countsReady {
			ready = true
			continue
		}
		n, err := number(item, allAttr)
		if err != nil {
			return Counts{}, nil, false, err
		}
		c.All += n
		for _, st := range statuses {
			n, err := number(item, statusAttr(st))
			if err != nil {
				return Counts{}, nil, false, err
			}
			c.ByStatus[st] += n
		}
		if v, ok := item[seqAttr].(*types.AttributeValueMemberN); ok {
			seqs[pk.Value] = v.Value
		}
	}
	return c, seqs, ready, nil
}

// number reads the number attribute attr of item; absent is 0.
func number(item map[string]types.AttributeValue, attr string) (int, error) {
	switch v := item[attr].(type) {
	case nil:
		return 0, nil
	case *types.AttributeValueMemberN:
		n, err := strconv.Atoi(v.Value)
		if err != nil {
			return 0, fmt.Errorf("store: counter %s is not an integer", attr)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("store: counter %s is not a number", attr)
	}
}

// batchGet reads keys (at most 100) in one BatchGetItem, and again for any
// that DynamoDB leaves unprocessed, at most maxAttempts times.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	unprocessed := fmt.Errorf("%w: store: read left unprocessed keys", client.ErrUnavailable)
	err := retry(ctx, unprocessed, func() error {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(consistent)},
		}})
		if err != nil {
			return classify(fmt.Errorf("store: batch read: %w", err))
		}
		items = append(items, out.Responses[s.table]...)
		if keys = out.UnprocessedKeys[s.table].Keys; len(keys) > 0 {
			return errRetry
		}
		return nil
	})
	return items, err
}

// readyItem is the ready marker, written by CreateTable and Recount.
func readyItem(at string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keyAttr:   &types.AttributeValueMemberS{Value: countsReady},
		readyAttr: &types.AttributeValueMemberS{Value: at},
	}
}

// RecountAPI is what Recount needs of the DynamoDB client.
type RecountAPI interface {
	API
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// ErrRecountRaced is Recount giving up: writes kept changing the counts
// while it counted.
var ErrRecountRaced = errors.New("store: recount: the counts kept changing while counting; run it again when writes are fewer")

// Recount sets the counts of the table to the clients it holds and writes
// the ready marker: the one-off step for a table that held clients before
// counts existed (docs/deploying.md), and the repair if counts were ever
// edited by hand. It is exact under concurrent writes: it reads every
// shard's seq, counts the clients with a strongly consistent Scan of the
// table (the whole table: a one-off cost), and writes the shards in one
// transaction conditioned on those seqs, so that a write which changed a
// count meanwhile cancels it and the count starts over (up to maxAttempts
// times, then ErrRecountRaced).
func Recount(ctx context.Context, db RecountAPI, table string, now func() string) (Counts, error) {
	s := New(db, table, nil)
	var counts Counts
	err := retry(ctx, ErrRecountRaced, func() error {
		items, err := s.batchGet(ctx, countKeys(), true)
		if err != nil {
			return err
		}
		_, seqs, _, err := sumCounts(items)
		if err != nil {
			return err
		}
		if counts, err = scanCounts(ctx, db, table); err != nil {
			return err
		}
		writes := make([]types.TransactWriteItem, 0, countShards+1)
		for i := range countShards {
			pk := countPrefix + strconv.Itoa(i)
			item := map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: pk}}
			var shard Counts // every shard but the first is zero
			if i == 0 {
				shard = counts
			}
			item[allAttr] = &types.AttributeValueMemberN{Value: strconv.Itoa(shard.All)}
			for _, st := range statuses {
				item[statusAttr(st)] = &types.AttributeValueMemberN{Value: strconv.Itoa(shard.ByStatus[st])}
			}
			put := &types.Put{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
			if seq, ok := seqs[pk]; ok {
				item[seqAttr] = &types.AttributeValueMemberN{Value: seq}
				put.ConditionExpression = aws.String("#seq = :seq")
				put.ExpressionAttributeNames = map[string]string{"#seq": seqAttr}
				put.ExpressionAttributeValues = map[string]types.AttributeValue{":seq": item[seqAttr]}
			}
			writes = append(writes, types.TransactWriteItem{Put: put})
		}
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: readyItem(now())}})
		_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
		if c := cancelled(err); len(c.failed) > 0 || c.conflict {
			return errRetry
		}
		if err != nil {
			return classify(fmt.Errorf("store: recount: %w", err))
		}
		return nil
	})
	return counts, err
}

// scanCounts counts the client items of the table with a strongly
// consistent Scan.
func scanCounts(ctx context.Context, db RecountAPI, table string) (Counts, error) {
	c := Counts{ByStatus: map[client.Status]int{}}
	in := &dynamodb.ScanInput{
		TableName: &table, ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :p)"),
		ProjectionExpression:      aws.String("#s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: clientPrefix}},
	}
	for {
		out, err := db.Scan(ctx, in)
		if err != nil {
			return Counts{}, classify(fmt.Errorf("store: recount: %w", err))
		}
		for _, item := range out.Items {
			st, _ := item["status"].(*types.AttributeValueMemberS)
			c.All++
			if st != nil {
				c.ByStatus[client.Status(st.Value)]++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return c, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
