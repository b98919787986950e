package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// TableAPI is what CreateTable needs of the DynamoDB client.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
	// PutItem writes the counts' ready marker into a new table (counts.go).
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// TimeToLive is the table's TTL setting: items with TTLAttribute (the
// sign-in attempt counters) are deleted once that time has passed.
// CreateTable cannot carry it (DynamoDB sets TTL with its own call), so it
// is declared here beside Schema, and template.yaml's
// TimeToLiveSpecification is held to it by a test.
func TimeToLive() *types.TimeToLiveSpecification {
	return &types.TimeToLiveSpecification{AttributeName: aws.String(TTLAttribute), Enabled: aws.Bool(true)}
}

// Schema is the table as the code reads it: keys, attribute types, list
// indexes and their projections. template.yaml declares the same table for
// deployments; a test holds the two together.
func Schema(table string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(keyAttr), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gsi1pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gsi1sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(historyPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(historySK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(keyAttr), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			listIndex(IndexAll, "gsi1pk", ListedAttributes(IndexAll)),
			listIndex(IndexStatus, "status", ListedAttributes(IndexStatus)),
			{
				IndexName: aws.String(IndexHistory),
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String(historyPK), KeyType: types.KeyTypeHash},
					{AttributeName: aws.String(historySK), KeyType: types.KeyTypeRange},
				},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			},
		},
		// The history writer reads client changes from the stream
		// (history.go).
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	}
}

// CreateTable creates the table Schema describes, for local runs and tests,
// and waits until it is active. An existing table is left as it is. A new
// table holds no client, so its counts (zero) are exact: it gets the
// counts' ready marker at once.
func CreateTable(ctx context.Context, db TableAPI, table string) error {
	out, err := db.CreateTable(ctx, Schema(table))
	if _, inUse := errors.AsType[*types.ResourceInUseException](err); err != nil && !inUse {
		return fmt.Errorf("store: create table: %w", err)
	}
	// Emulators create tables at once (and do not all report a status);
	// DynamoDB says CREATING, and only then is there something to wait for.
	if err != nil {
		return nil
	}
	if out.TableDescription != nil && out.TableDescription.TableStatus == types.TableStatusCreating {
		w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, 30*time.Second); err != nil {
			return fmt.Errorf("store: wait for table: %w", err)
		}
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: readyItem(client.FormatTime(time.Now()))}); err != nil {
		return fmt.Errorf("store: mark counts ready: %w", err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &table, TimeToLiveSpecification: TimeToLive()})
	if _, unanswered := errors.AsType[*smithy.DeserializationError](err); unanswered {
		// The embedded minidyn does not implement UpdateTimeToLive and
		// answers in plain text, which DynamoDB and moto never do. Nothing
		// is lost: the code treats a lapsed counter as absent whether or
		// not the table has deleted it yet.
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: enable time to live: %w", err)
	}
	return nil
}

// listIndex is a list index partitioned by hashAttr, newest last by gsi1sk.
func listIndex(name, hashAttr string, projected []string) types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(name),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(hashAttr), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("gsi1sk"), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: projected},
	}
}
