package server

// Patched (see the repository's README): DynamoDB Streams. A table created
// (or updated) with a StreamSpecification keeps, in order, one record per
// item a write changed — INSERT, MODIFY or REMOVE, with the keys and the
// images its view type names — and serves them through the Streams API's
// four read operations (ListStreams, DescribeStream, GetShardIterator,
// GetRecords) on the same endpoint, as one shard that never closes.
// A transaction's records appear only when it commits, all together; a
// refused write leaves none. Records are kept for the life of the process
// (DynamoDB keeps them 24 hours).

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/truora/minidyn/core"
	"github.com/truora/minidyn/types"
)

const (
	streamShardID = "shardId-00000000000000000001-00000001"
)

type stream struct {
	arn      string
	label    string
	table    string
	viewType string
	keySpec  []ddbtypes.KeySchemaElement
	records  []streamRecord
}

type streamRecord struct {
	EventID      string             `json:"eventID"`
	EventName    string             `json:"eventName"`
	EventVersion string             `json:"eventVersion"`
	EventSource  string             `json:"eventSource"`
	AwsRegion    string             `json:"awsRegion"`
	Dynamodb     streamRecordChange `json:"dynamodb"`
}

type streamRecordChange struct {
	ApproximateCreationDateTime float64                    `json:"ApproximateCreationDateTime"`
	Keys                        map[string]*AttributeValue `json:"Keys"`
	NewImage                    map[string]*AttributeValue `json:"NewImage,omitempty"`
	OldImage                    map[string]*AttributeValue `json:"OldImage,omitempty"`
	SequenceNumber              string                     `json:"SequenceNumber"`
	SizeBytes                   int64                      `json:"SizeBytes"`
	StreamViewType              string                     `json:"StreamViewType"`
}

// enableStream turns table's stream on per spec (nil or disabled: off).
func (c *Client) enableStream(table *core.Table, spec *ddbtypes.StreamSpecification, keys []ddbtypes.KeySchemaElement) {
	if spec == nil || !aws.ToBool(spec.StreamEnabled) {
		return
	}

	if c.streams == nil {
		c.streams = map[string]*stream{}
	}

	label := time.Now().UTC().Format("2006-01-02T15:04:05.000")
	view := string(spec.StreamViewType)
	if view == "" {
		view = string(ddbtypes.StreamViewTypeNewAndOldImages)
	}

	c.streams[table.Name] = &stream{
		arn:      "arn:aws:dynamodb:us-east-1:000000000000:table/" + table.Name + "/stream/" + label,
		label:    label,
		table:    table.Name,
		viewType: view,
		keySpec:  keys,
	}
}

// beforeWrite captures the image of the item keyItem names in table, and
// returns what records the write's change once it has succeeded (nothing
// when the table has no stream).
func (c *Client) beforeWrite(table *core.Table, keyItem map[string]*types.Item) func() {
	st := c.streams[table.Name]
	if st == nil {
		return func() {}
	}

	old, key, ok := table.ItemImage(keyItem)
	if !ok {
		return func() {}
	}

	return func() {
		rec, ok := st.record(old, table.ImageAt(key), table)
		if !ok {
			return
		}

		if c.pendingStream != nil {
			*c.pendingStream = append(*c.pendingStream, pendingRecord{st, rec})
			return
		}

		st.append(rec)
	}
}

type pendingRecord struct {
	st  *stream
	rec streamRecord
}

func (st *stream) record(old, cur map[string]*types.Item, table *core.Table) (streamRecord, bool) {
	var name string

	switch {
	case old == nil && cur == nil:
		return streamRecord{}, false
	case old == nil:
		name = "INSERT"
	case cur == nil:
		name = "REMOVE"
	default:
		name = "MODIFY"
	}

	img := cur
	if img == nil {
		img = old
	}

	ch := streamRecordChange{
		ApproximateCreationDateTime: float64(time.Now().Unix()),
		Keys:                        mapTypesMapToAttributeValue(table.KeyOf(img)),
		StreamViewType:              st.viewType,
	}

	if cur != nil && (st.viewType == "NEW_IMAGE" || st.viewType == "NEW_AND_OLD_IMAGES") {
		ch.NewImage = mapTypesMapToAttributeValue(cur)
	}

	if old != nil && (st.viewType == "OLD_IMAGE" || st.viewType == "NEW_AND_OLD_IMAGES") {
		ch.OldImage = mapTypesMapToAttributeValue(old)
	}

	return streamRecord{
		EventName: name, EventVersion: "1.1", EventSource: "aws:dynamodb", AwsRegion: "us-east-1",
		Dynamodb: ch,
	}, true
}

func (st *stream) append(rec streamRecord) {
	seq := streamSeq(len(st.records))
	rec.EventID = seq
	rec.Dynamodb.SequenceNumber = seq
	st.records = append(st.records, rec)
}

// streamSeq is record i's sequence number: a decimal string of 21 digits,
// as DynamoDB's, that sorts as it counts.
func streamSeq(i int) string {
	return fmt.Sprintf("1%020d", i)
}

func streamPos(seq string) (int, bool) {
	if len(seq) != 21 || seq[0] != '1' {
		return 0, false
	}

	n, err := strconv.Atoi(seq[1:])

	return n, err == nil
}

// beginStreamTransaction buffers the records of a transaction's writes;
// the returned function publishes them (commit) or drops them.
func (c *Client) beginStreamTransaction() func(commit bool) {
	pending := []pendingRecord{}
	c.pendingStream = &pending

	return func(commit bool) {
		c.pendingStream = nil

		if !commit {
			return
		}

		for _, p := range pending {
			p.st.append(p.rec)
		}
	}
}

// Streams API.

// ListStreamsInput is the Streams API's ListStreams request.
type ListStreamsInput struct {
	TableName *string `json:"TableName,omitempty"`
}

type streamSummary struct {
	StreamArn   string `json:"StreamArn"`
	StreamLabel string `json:"StreamLabel"`
	TableName   string `json:"TableName"`
}

// ListStreamsOutput is its answer.
type ListStreamsOutput struct {
	Streams []streamSummary `json:"Streams"`
}

// ListStreams lists the streams of one table, or of all.
func (c *Client) ListStreams(_ context.Context, input *ListStreamsInput) (*ListStreamsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	out := &ListStreamsOutput{Streams: []streamSummary{}}

	for name, st := range c.streams {
		if input.TableName != nil && *input.TableName != name {
			continue
		}

		out.Streams = append(out.Streams, streamSummary{StreamArn: st.arn, StreamLabel: st.label, TableName: name})
	}

	return out, nil
}

// DescribeStreamInput is the Streams API's DescribeStream request.
type DescribeStreamInput struct {
	StreamArn *string `json:"StreamArn,omitempty"`
}

type seqRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
}

type shard struct {
	ShardID             string   `json:"ShardId"`
	SequenceNumberRange seqRange `json:"SequenceNumberRange"`
}

type keySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type streamDescription struct {
	StreamArn      string             `json:"StreamArn"`
	StreamLabel    string             `json:"StreamLabel"`
	StreamStatus   string             `json:"StreamStatus"`
	StreamViewType string             `json:"StreamViewType"`
	TableName      string             `json:"TableName"`
	KeySchema      []keySchemaElement `json:"KeySchema"`
	Shards         []shard            `json:"Shards"`
}

// DescribeStreamOutput is its answer.
type DescribeStreamOutput struct {
	StreamDescription streamDescription `json:"StreamDescription"`
}

// DescribeStream describes a stream and its one shard.
func (c *Client) DescribeStream(_ context.Context, input *DescribeStreamInput) (*DescribeStreamOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	st, err := c.streamByArn(aws.ToString(input.StreamArn))
	if err != nil {
		return nil, err
	}

	d := streamDescription{
		StreamArn: st.arn, StreamLabel: st.label, StreamStatus: "ENABLED", StreamViewType: st.viewType, TableName: st.table,
		Shards: []shard{{ShardID: streamShardID, SequenceNumberRange: seqRange{StartingSequenceNumber: streamSeq(0)}}},
	}
	for _, k := range st.keySpec {
		d.KeySchema = append(d.KeySchema, keySchemaElement{AttributeName: aws.ToString(k.AttributeName), KeyType: string(k.KeyType)})
	}

	return &DescribeStreamOutput{StreamDescription: d}, nil
}

// GetShardIteratorInput is the Streams API's GetShardIterator request.
type GetShardIteratorInput struct {
	StreamArn         *string `json:"StreamArn,omitempty"`
	ShardID           *string `json:"ShardId,omitempty"`
	ShardIteratorType string  `json:"ShardIteratorType,omitempty"`
	SequenceNumber    *string `json:"SequenceNumber,omitempty"`
}

// GetShardIteratorOutput is its answer.
type GetShardIteratorOutput struct {
	ShardIterator string `json:"ShardIterator"`
}

// GetShardIterator returns an iterator: the stream and the position of the
// next record it reads.
func (c *Client) GetShardIterator(_ context.Context, input *GetShardIteratorInput) (*GetShardIteratorOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	st, err := c.streamByArn(aws.ToString(input.StreamArn))
	if err != nil {
		return nil, err
	}

	if aws.ToString(input.ShardID) != streamShardID {
		return nil, &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: Shard does not exist")}
	}

	var pos int

	switch input.ShardIteratorType {
	case "TRIM_HORIZON":
		pos = 0
	case "LATEST":
		pos = len(st.records)
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		n, ok := streamPos(aws.ToString(input.SequenceNumber))
		if !ok {
			return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "Invalid SequenceNumber"}
		}

		pos = n
		if input.ShardIteratorType == "AFTER_SEQUENCE_NUMBER" {
			pos++
		}
	default:
		return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "Invalid ShardIteratorType"}
	}

	return &GetShardIteratorOutput{ShardIterator: st.arn + "|" + strconv.Itoa(pos)}, nil
}

// GetRecordsInput is the Streams API's GetRecords request.
type GetRecordsInput struct {
	ShardIterator *string `json:"ShardIterator,omitempty"`
	Limit         *int32  `json:"Limit,omitempty"`
}

// GetRecordsOutput is its answer.
type GetRecordsOutput struct {
	Records           []streamRecord `json:"Records"`
	NextShardIterator string         `json:"NextShardIterator"`
}

// GetRecords reads up to Limit (default and at most 1,000) records from an
// iterator's position.
func (c *Client) GetRecords(_ context.Context, input *GetRecordsInput) (*GetRecordsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	arn, at, ok := strings.Cut(aws.ToString(input.ShardIterator), "|")
	pos, err := strconv.Atoi(at)

	if !ok || err != nil || pos < 0 {
		return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "Invalid ShardIterator"}
	}

	st, err := c.streamByArn(arn)
	if err != nil {
		return nil, err
	}

	limit := 1000
	if input.Limit != nil && *input.Limit > 0 && int(*input.Limit) < limit {
		limit = int(*input.Limit)
	}

	end := min(pos+limit, len(st.records))
	out := &GetRecordsOutput{Records: []streamRecord{}, NextShardIterator: arn + "|" + strconv.Itoa(max(end, pos))}

	if pos < end {
		out.Records = append(out.Records, st.records[pos:end]...)
	}

	return out, nil
}

func (c *Client) streamByArn(arn string) (*stream, error) {
	for _, st := range c.streams {
		if st.arn == arn {
			return st, nil
		}
	}

	return nil, &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: Stream: " + arn + " not found")}
}
