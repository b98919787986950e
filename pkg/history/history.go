// Package history is the history writer: the function the table's stream
// invokes with batches of item changes. It records every change to a
// client that an update, a self-update or a secret reset made (creates,
// imports and deletes record theirs in their own transaction) as the
// client's history event, once, however often the stream delivers it.
//
// Delivery is Lambda's event source mapping (template.yaml's
// HistoryWriterFunction): records of one shard arrive in order, a batch is
// retried from its first failure (ReportBatchItemFailures) until it
// succeeds or the record leaves the stream, whatever is given up goes to
// the failure queue, and a redelivered record writes an event that is
// already there, which PutEvent leaves as it is.
package history

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// Events writes history events; *store.Store is one.
type Events interface {
	PutEvent(ctx context.Context, e client.Event) (bool, error)
}

// Writer handles the stream's batches.
type Writer struct {
	Events Events
	Log    *slog.Logger
}

// Handle records the client changes of one batch, in order. At the first
// record it cannot record, it stops and reports that record as the batch's
// failure: Lambda retries from it, and the records after it, which it has
// not looked at, come again with it. The error is reserved for nothing:
// every failure is a batch item failure, so that no record is retried that
// was recorded.
func (w *Writer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var out events.DynamoDBEventResponse
	written := 0
	for _, r := range ev.Records {
		ok, err := w.record(ctx, r)
		if err != nil {
			// The record's position only: images hold personal data.
			w.Log.LogAttrs(ctx, slog.LevelError, "history event not recorded",
				slog.String("eventId", r.EventID), slog.String("sequenceNumber", r.Change.SequenceNumber),
				slog.String("error", err.Error()))
			out.BatchItemFailures = append(out.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			break
		}
		if ok {
			written++
		}
	}
	w.Log.LogAttrs(ctx, slog.LevelInfo, "history batch",
		slog.Int("records", len(ev.Records)), slog.Int("written", written), slog.Int("failed", len(out.BatchItemFailures)))
	return out, nil
}

// record writes r's event when r is a change to a client's history; true
// when this call wrote it.
func (w *Writer) record(ctx context.Context, r events.DynamoDBEventRecord) (bool, error) {
	if r.EventName != string(events.DynamoDBOperationTypeModify) {
		return false, nil
	}
	oldImage, err := Image(r.Change.OldImage)
	if err != nil {
		return false, err
	}
	newImage, err := Image(r.Change.NewImage)
	if err != nil {
		return false, err
	}
	e, ok, err := store.EventFromImages(oldImage, newImage)
	if err != nil || !ok {
		return false, err
	}
	return w.Events.PutEvent(ctx, e)
}

// Image converts a stream image, as Lambda delivers it, to the DynamoDB
// client's attribute values.
func Image(in map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(in))
	for k, v := range in {
		av, err := value(v)
		if err != nil {
			return nil, fmt.Errorf("history: attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func value(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := Image(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, e := range l {
			av, err := value(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	default:
		return nil, fmt.Errorf("unknown attribute type %d", v.DataType())
	}
}
