package eventsource_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/eventsource"
	"github.com/outbound-caller/admin-api/internal/localdb"
)

// TestStreamRecordsOnlyWhatCommitted: on the embedded store, a write or a
// transaction that commits appears on the table's stream, in order, as
// INSERT, MODIFY or REMOVE with both images; a refused write and every
// item of a cancelled transaction appear not at all.
func TestStreamRecordsOnlyWhatCommitted(t *testing.T) {
	ctx := context.Background()
	emb := localdb.Start()
	defer emb.Close()
	db, err := localdb.Client(ctx, emb.URL)
	if err != nil {
		t.Fatal(err)
	}
	table := "streams"
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: &table, BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	}); err != nil {
		t.Fatal(err)
	}
	item := func(pk, v string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "v": &types.AttributeValueMemberS{Value: v}}
	}
	key := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
	}
	absent := aws.String("attribute_not_exists(pk)")
	steps := []func() error{
		func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item("a", "1")})
			return err
		},
		func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item("a", "x"), ConditionExpression: absent})
			return expectRefused(err)
		},
		func() error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: &table, Item: item("b", "1")}},
				{Put: &types.Put{TableName: &table, Item: item("a", "y"), ConditionExpression: absent}},
			}})
			return expectRefused(err)
		},
		func() error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: &table, Item: item("c", "1")}},
				{Update: &types.Update{TableName: &table, Key: key("a"), UpdateExpression: aws.String("SET v = :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "2"}}}},
			}})
			return err
		},
		func() error {
			_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key("c")})
			return err
		},
		func() error {
			_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key("nothing")})
			return err
		},
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	streams, err := localdb.StreamsClient(ctx, emb.URL)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	m := &eventsource.Mapping{Streams: streams, Table: table, BatchSize: 2, Handler: func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			old, cur := r.Change.OldImage["v"], r.Change.NewImage["v"]
			s := r.EventName + " " + r.Change.Keys["pk"].String() + " "
			if !old.IsNull() && old.DataType() == events.DataTypeString {
				s += old.String()
			}
			s += ">"
			if !cur.IsNull() && cur.DataType() == events.DataTypeString {
				s += cur.String()
			}
			got = append(got, s)
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"INSERT a >1", "INSERT c >1", "MODIFY a 1>2", "REMOVE c 1>"}
	if len(got) != len(want) {
		t.Fatalf("stream %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func expectRefused(err error) error {
	if err == nil {
		return errors.New("the write was not refused")
	}
	return nil
}
