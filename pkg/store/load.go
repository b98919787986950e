package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// BatchAPI is what Load needs of the DynamoDB client.
type BatchAPI interface {
	API
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Load writes clients, with their lock items, by BatchWriteItem (25 items
// a call), and then adds them to the counts in one UpdateItem: the items
// and counts Create writes, without its transaction. It is the bulk load
// of the benchmarks and the cost tests, for a table that nothing else
// writes meanwhile: it checks no uniqueness (the clients must not share
// an id, email or number with each other or the table) and a failure part
// way leaves the counts behind the clients (Recount repairs them). Never
// for a table in service: Create is.
func Load(ctx context.Context, db BatchAPI, table string, clients []client.Client) error {
	s := New(db, table, nil)
	var puts []types.WriteRequest
	add := countDelta{all: len(clients), status: map[client.Status]int{}}
	for _, c := range clients {
		r := toRecord(c)
		key, err := client.EmailKey(c.Meta.Email)
		if err != nil {
			return err
		}
		r.EmailKey = key
		item, err := r.item()
		if err != nil {
			return err
		}
		puts = append(puts, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		for _, q := range uniques() {
			if v := q.current(&c); v != "" {
				k, err := q.key(v)
				if err != nil {
					return err
				}
				puts = append(puts, types.WriteRequest{PutRequest: &types.PutRequest{Item: lockItem(k, c.ClientID)}})
			}
		}
		add.status[c.Status]++
	}
	for len(puts) > 0 {
		n := min(len(puts), 25)
		batch := puts[:n]
		puts = puts[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt == 10 {
				return fmt.Errorf("store: load: writes left unprocessed")
			}
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				return classify(fmt.Errorf("store: load: %w", err))
			}
			batch = out.UnprocessedItems[table]
		}
	}
	u := s.countItem(add).Update
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	if err != nil {
		return classify(fmt.Errorf("store: load: count: %w", err))
	}
	return nil
}
