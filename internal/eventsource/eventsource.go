// Package eventsource is Lambda's DynamoDB stream event source mapping for
// local runs and tests: it reads a table's stream through the Streams API
// (the embedded store's, moto's or AWS's) and hands the records, in order
// and in batches, to a stream handler as Lambda would — the same
// events.DynamoDBEvent, retries from the first reported failure, and a
// failure destination for a batch that exhausts its retries. `make run`
// and the tests run the history writer through it; deployments use
// Lambda's own (template.yaml).
package eventsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamsAPI is the part of the Streams client a mapping reads with.
type StreamsAPI interface {
	ListStreams(context.Context, *dynamodbstreams.ListStreamsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.ListStreamsOutput, error)
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Handler is a stream function's handler, as lambda.Start takes it.
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Mapping delivers one table's stream to Handler.
type Mapping struct {
	Streams StreamsAPI
	Table   string
	Handler Handler
	// BatchSize is the most records per invocation (100 when 0).
	BatchSize int32
	// MaxRetries is how often a failing batch is retried before its
	// records go to OnFailure (template.yaml's MaximumRetryAttempts); a
	// negative value retries for as long as it takes.
	MaxRetries int
	// OnFailure is the failure destination: the sequence numbers of the
	// first and last record given up, and the last failure.
	OnFailure func(first, last string, err error)
	Log       *slog.Logger

	arn    string
	shards map[string]*shardState
}

type shardState struct {
	// seq is where the next read starts: at seq (a batch to retry) when
	// retry is set, after it (the last record handled) otherwise; "" is
	// the stream's start.
	seq      string
	retry    bool
	failures int // consecutive failures of the batch starting at seq
}

// Start begins at the stream's start (TRIM_HORIZON), as a new mapping
// does. The table must exist with its stream enabled.
func (m *Mapping) start(ctx context.Context) error {
	if m.arn != "" {
		return nil
	}
	out, err := m.Streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: &m.Table})
	if err != nil {
		return fmt.Errorf("eventsource: list streams: %w", err)
	}
	if len(out.Streams) == 0 {
		return fmt.Errorf("eventsource: table %s has no stream", m.Table)
	}
	m.arn = aws.ToString(out.Streams[len(out.Streams)-1].StreamArn)
	m.shards = map[string]*shardState{}
	return nil
}

// Poll reads every shard once from where it stopped and delivers what it
// read. It returns how many records were handled successfully.
func (m *Mapping) Poll(ctx context.Context) (int, error) {
	if err := m.start(ctx); err != nil {
		return 0, err
	}
	desc, err := m.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &m.arn})
	if err != nil {
		return 0, fmt.Errorf("eventsource: describe stream: %w", err)
	}
	total := 0
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		st := m.shards[id]
		if st == nil {
			st = &shardState{}
			m.shards[id] = st
		}
		n, err := m.pollShard(ctx, id, st)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (m *Mapping) pollShard(ctx context.Context, shard string, st *shardState) (int, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &m.arn, ShardId: &shard, ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	switch {
	case st.seq != "" && st.retry:
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAtSequenceNumber, aws.String(st.seq)
	case st.seq != "":
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(st.seq)
	}
	it, err := m.Streams.GetShardIterator(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("eventsource: shard iterator: %w", err)
	}
	size := m.BatchSize
	if size <= 0 {
		size = 100
	}
	recs, err := m.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: &size})
	if err != nil {
		return 0, fmt.Errorf("eventsource: get records: %w", err)
	}
	if len(recs.Records) == 0 {
		return 0, nil
	}
	batch := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, len(recs.Records))}
	for i, r := range recs.Records {
		if batch.Records[i], err = record(r, m.arn); err != nil {
			return 0, err
		}
	}
	failedAt, herr := m.invoke(ctx, batch)
	last := batch.Records[len(batch.Records)-1].Change.SequenceNumber
	if failedAt < 0 {
		*st = shardState{seq: last}
		return len(batch.Records), nil
	}
	first := batch.Records[failedAt].Change.SequenceNumber
	if !st.retry || st.seq != first {
		*st = shardState{seq: first, retry: true}
	}
	st.failures++
	if m.MaxRetries >= 0 && st.failures > m.MaxRetries {
		if m.OnFailure != nil {
			m.OnFailure(first, last, herr)
		}
		*st = shardState{seq: last}
	}
	return failedAt, nil
}

// invoke runs the handler on batch; it returns the index of the first
// record to retry (-1 when all succeeded) and why. A handler error, or an
// item failure naming a record the batch does not hold, fails the whole
// batch, as in Lambda.
func (m *Mapping) invoke(ctx context.Context, batch events.DynamoDBEvent) (int, error) {
	resp, err := m.Handler(ctx, batch)
	if err != nil {
		return 0, err
	}
	if len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		i := -1
		for j, r := range batch.Records {
			if r.Change.SequenceNumber == f.ItemIdentifier {
				i = j
			}
		}
		if i < 0 {
			return 0, errors.New("eventsource: the handler reported a failure of a record not in the batch")
		}
		if first < 0 || i < first {
			first = i
		}
	}
	return first, errors.New("eventsource: the handler reported a batch item failure")
}

// Drain polls until a pass delivers nothing: every record written before
// the call has been handled or given up.
func (m *Mapping) Drain(ctx context.Context) error {
	for {
		n, err := m.Poll(ctx)
		if err != nil {
			return err
		}
		if n == 0 && m.idle() {
			return nil
		}
	}
}

// idle reports that no shard has a batch waiting to be retried.
func (m *Mapping) idle() bool {
	for _, st := range m.shards {
		if st.failures > 0 {
			return false
		}
	}
	return true
}

// Run polls every interval until ctx ends, logging failures.
func (m *Mapping) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := m.Poll(ctx); err != nil && ctx.Err() == nil && m.Log != nil {
			m.Log.Error("stream poll failed", "table", m.Table, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func record(r types.Record, arn string) (events.DynamoDBEventRecord, error) {
	d := r.Dynamodb
	if d == nil {
		return events.DynamoDBEventRecord{}, errors.New("eventsource: a record without its change")
	}
	keys, err1 := image(d.Keys)
	newImage, err2 := image(d.NewImage)
	oldImage, err3 := image(d.OldImage)
	if err := errors.Join(err1, err2, err3); err != nil {
		return events.DynamoDBEventRecord{}, err
	}
	out := events.DynamoDBEventRecord{
		AWSRegion: aws.ToString(r.AwsRegion), EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), EventSourceArn: arn,
		Change: events.DynamoDBStreamRecord{
			Keys: keys, NewImage: newImage, OldImage: oldImage,
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		},
	}
	if d.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	return out, nil
}

func image(in map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if in == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(in))
	for k, v := range in {
		av, err := value(v)
		if err != nil {
			return nil, fmt.Errorf("eventsource: attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func value(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *types.AttributeValueMemberM:
		m, err := image(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		return events.NewMapAttribute(m), nil
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			av, err := value(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, err
			}
			l[i] = av
		}
		return events.NewListAttribute(l), nil
	default:
		return events.DynamoDBAttributeValue{}, fmt.Errorf("unknown attribute value %T", v)
	}
}
