package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// History layout. A client's history is its event items: one per change,
// keyed
//
//	pk   EVENT#<clientId>#<at>#<version>   (eventPrefix; the table's only key)
//	hpk  <clientId>                         (IndexHistory's partition)
//	hsk  <at>#<version, 12 digits>          (IndexHistory's sort key)
//
// so that IndexHistory pages through one client's events in time order
// (newest first, read backwards) without touching another client's, and
// the key names the event: writing one twice writes it once (a stream
// redelivery, a retried transaction). at and version come from the write
// itself (its updatedAt and the version it produced), never from the
// writer of the event. The event survives its client: a deleted client's
// history ends with its delete. expiresAt, the table's one TTL attribute
// (TTLAttribute), removes it after the retention period.
//
// Creates, imports and deletes write their event in their own transaction.
// Updates, self-updates and secret resets are one UpdateItem each, which
// cannot also write another item: they stamp the client item with
// lastChange (the origin of the write: action, actor, request, address) and
// the table's stream (NEW_AND_OLD_IMAGES) delivers the change to the
// history writer (package history), which turns the two images into the
// event (EventFromImages) and writes it (PutEvent).
const (
	eventPrefix = "EVENT#"
	// IndexHistory is the history index: hpk, hsk (above), all attributes.
	IndexHistory = "byClientHistory"
	historyPK    = "hpk"
	historySK    = "hsk"
	// lastChangeAttr is the client item's stamp of the write that made it.
	lastChangeAttr = "lastChange"
	// DefaultHistoryRetention is how long events are kept when the
	// deployment says nothing (template.yaml's HistoryRetentionDays).
	DefaultHistoryRetention = 400 * 24 * time.Hour
)

// eventRecord is an event item as stored. changes is the JSON of the
// event's changes: one attribute, whatever the field paths.
type eventRecord struct {
	PK        string `dynamodbav:"pk"`
	HPK       string `dynamodbav:"hpk"`
	HSK       string `dynamodbav:"hsk"`
	EventID   string `dynamodbav:"eventId"`
	ClientID  string `dynamodbav:"clientId"`
	At        string `dynamodbav:"at"`
	Action    string `dynamodbav:"action"`
	ActorSub  string `dynamodbav:"actorSub"`
	ActorRole string `dynamodbav:"actorRole"`
	RequestID string `dynamodbav:"requestId,omitempty"`
	SourceIP  string `dynamodbav:"sourceIp,omitempty"`
	Changes   string `dynamodbav:"changes"`
	Version   int64  `dynamodbav:"version"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// lastChange is the client item's stamp of the write that produced it.
type lastChange struct {
	Action    string `dynamodbav:"action"`
	ActorSub  string `dynamodbav:"sub"`
	ActorRole string `dynamodbav:"role"`
	RequestID string `dynamodbav:"requestId,omitempty"`
	SourceIP  string `dynamodbav:"sourceIp,omitempty"`
	At        string `dynamodbav:"at"`
}

func stampOf(o client.Origin, at string) lastChange {
	return lastChange{Action: string(o.Action), ActorSub: o.Actor.Sub, ActorRole: o.Actor.Role,
		RequestID: o.RequestID, SourceIP: o.SourceIP, At: at}
}

// attr is l as stored, built by hand as attributevalue.MarshalMap built it
// from the struct's tags (the omitempty members left out when empty): it is
// part of every update.
func (l lastChange) attr() types.AttributeValue {
	m := make(map[string]types.AttributeValue, 6)
	for _, f := range l.members() {
		if *f.value != "" || !f.omitEmpty {
			m[f.name] = &types.AttributeValueMemberS{Value: *f.value}
		}
	}
	return &types.AttributeValueMemberM{Value: m}
}

// members are l's stored members, in the names its dynamodbav tags give
// them (record.item still encodes it through them).
func (l *lastChange) members() [6]struct {
	name      string
	value     *string
	omitEmpty bool
} {
	return [6]struct {
		name      string
		value     *string
		omitEmpty bool
	}{
		{"action", &l.Action, false}, {"sub", &l.ActorSub, false}, {"role", &l.ActorRole, false},
		{"requestId", &l.RequestID, true}, {"sourceIp", &l.SourceIP, true}, {"at", &l.At, false},
	}
}

// decodeStamp reads a stored lastChange as attributevalue.Unmarshal into
// lastChange did: a map (NULL is the zero stamp) whose members are string
// attributes (asString); members it does not name are ignored, and any
// other type is an error.
func decodeStamp(av types.AttributeValue) (lastChange, error) {
	var l lastChange
	switch m := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return l, nil
	case *types.AttributeValueMemberM:
		for _, f := range l.members() {
			s, err := asString(m.Value[f.name])
			if err != nil {
				return lastChange{}, fmt.Errorf("lastChange.%s: %w", f.name, err)
			}
			*f.value = s
		}
		return l, nil
	default:
		return lastChange{}, errors.New("lastChange is not a map")
	}
}

func historySortKey(at time.Time, version int64) string {
	return client.FormatTime(at) + "#" + fmt.Sprintf("%012d", version)
}

// eventID names an event from its key: the same change, the same id.
func eventID(id, sk string) string {
	sum := sha256.Sum256([]byte(id + "\x00" + sk))
	return "evt_" + hex.EncodeToString(sum[:10])
}

// retention is the period events are kept.
func (s *Store) retention() time.Duration {
	if s.HistoryRetention > 0 {
		return s.HistoryRetention
	}
	return DefaultHistoryRetention
}

// eventItem is e as stored, expiring retention after e.At.
func (s *Store) eventItem(e client.Event) (map[string]types.AttributeValue, error) {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return nil, fmt.Errorf("store: encode event: %w", err)
	}
	sk := historySortKey(e.At, e.Version)
	r := eventRecord{
		PK: eventPrefix + e.ClientID + "#" + sk, HPK: e.ClientID, HSK: sk, EventID: eventID(e.ClientID, sk),
		ClientID: e.ClientID, At: client.FormatTime(e.At), Action: string(e.Action),
		ActorSub: e.Actor.Sub, ActorRole: e.Actor.Role, RequestID: e.RequestID, SourceIP: e.SourceIP,
		Changes: string(changes), Version: e.Version, ExpiresAt: e.At.Add(s.retention()).Unix(),
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return nil, fmt.Errorf("store: encode event: %w", err)
	}
	return item, nil
}

// eventPut is the transaction item that writes e, once: an event already
// written is not written again (the condition), which a transaction must
// then report as the conflict it is.
func (s *Store) eventPut(e client.Event) (types.TransactWriteItem, error) {
	item, err := s.eventItem(e)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}, nil
}

// PutEvent writes e unless it is written already: a redelivered change is
// recorded once. It returns whether this call wrote it.
func (s *Store) PutEvent(ctx context.Context, e client.Event) (bool, error) {
	item, err := s.eventItem(e)
	if err != nil {
		return false, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if _, dup := errors.AsType[*types.ConditionalCheckFailedException](err); dup {
		return false, nil
	}
	if err != nil {
		return false, classify(fmt.Errorf("store: write event: %w", err))
	}
	return true, nil
}

// EventFromImages is the event of a change the table's stream reports on a
// client item, from the item's images before and after it; false when the
// change is none of a client's history: another kind of item (a lock, a
// counter, an attempt, an event), a create, import or delete (their events
// are written with them), a write that did not stamp the item (a sign-in's
// rewrite of the secret hash), or a write that changed no field.
func EventFromImages(oldImage, newImage map[string]types.AttributeValue) (client.Event, bool, error) {
	if !isClientItem(oldImage) || !isClientItem(newImage) {
		return client.Event{}, false, nil
	}
	stamp, ok, err := stampIn(newImage)
	if err != nil || !ok {
		return client.Event{}, false, err
	}
	if before, had, err := stampIn(oldImage); err != nil {
		return client.Event{}, false, err
	} else if had && before == stamp {
		return client.Event{}, false, nil
	}
	from, err := decodeRecord(oldImage)
	if err != nil {
		return client.Event{}, false, err
	}
	to, err := decodeRecord(newImage)
	if err != nil {
		return client.Event{}, false, err
	}
	at, err := client.ParseTime(stamp.At)
	if err != nil {
		return client.Event{}, false, fmt.Errorf("store: decode client %s: lastChange.at does not parse", to.ClientID)
	}
	o := client.Origin{Action: client.Action(stamp.Action), Actor: client.Actor{Sub: stamp.ActorSub, Role: stamp.ActorRole},
		RequestID: stamp.RequestID, SourceIP: stamp.SourceIP}
	secret := from.SecretHash != to.SecretHash && o.Action == client.ActionResetSecret
	e := client.NewEvent(o, at, to.ClientID, to.Version, from.withoutTimes(), to.withoutTimes(), secret)
	if len(e.Changes) == 0 {
		return client.Event{}, false, nil
	}
	return e, true, nil
}

func isClientItem(item map[string]types.AttributeValue) bool {
	pk, ok := item[keyAttr].(*types.AttributeValueMemberS)
	return ok && strings.HasPrefix(pk.Value, clientPrefix)
}

func stampIn(item map[string]types.AttributeValue) (lastChange, bool, error) {
	av, ok := item[lastChangeAttr]
	if !ok {
		return lastChange{}, false, nil
	}
	l, err := decodeStamp(av)
	if err != nil {
		return lastChange{}, false, fmt.Errorf("store: decode lastChange: %w", err)
	}
	return l, true, nil
}

// History reads one page of a client's events, newest first, from
// IndexHistory: limit+1 items at most, the one past the page only saying
// that there is a next. A client with no event is told apart from a client
// that never existed by a read of the client (ErrNotFound); a client from
// before the history has a page with no event.
func (s *Store) History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(IndexHistory),
		KeyConditionExpression:    aws.String("#h = :id"),
		ExpressionAttributeNames:  map[string]string{"#h": historyPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: q.ClientID}},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(q.Limit + 1)),
	}
	if q.After != nil {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			historyPK: &types.AttributeValueMemberS{Value: q.ClientID},
			historySK: &types.AttributeValueMemberS{Value: q.After.Key},
			keyAttr:   &types.AttributeValueMemberS{Value: eventPrefix + q.ClientID + "#" + q.After.Key},
		}
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return client.HistoryPage{}, classify(fmt.Errorf("store: read history: %w", err))
		}
		items = append(items, out.Items...)
		if len(items) > q.Limit || out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(int32(q.Limit + 1 - len(items)))
	}
	page := client.HistoryPage{Events: []client.Event{}}
	for i, item := range items {
		if i == q.Limit {
			last := page.Events[len(page.Events)-1]
			page.Next = &client.HistoryPosition{Key: historySortKey(last.At, last.Version)}
			break
		}
		e, err := decodeEvent(item)
		if err != nil {
			return client.HistoryPage{}, err
		}
		page.Events = append(page.Events, e)
	}
	if len(page.Events) == 0 && q.After == nil {
		if _, err := s.getItem(ctx, q.ClientID); err != nil {
			return client.HistoryPage{}, err
		}
	}
	return page, nil
}

func decodeEvent(item map[string]types.AttributeValue) (client.Event, error) {
	var r eventRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return client.Event{}, fmt.Errorf("store: decode event: %w", err)
	}
	at, err := client.ParseTime(r.At)
	if err != nil {
		return client.Event{}, fmt.Errorf("store: decode event %s: at does not parse", r.EventID)
	}
	e := client.Event{EventID: r.EventID, ClientID: r.ClientID, At: at, Action: client.Action(r.Action),
		Actor: client.Actor{Sub: r.ActorSub, Role: r.ActorRole}, RequestID: r.RequestID, SourceIP: r.SourceIP,
		Version: r.Version}
	if err := json.Unmarshal([]byte(r.Changes), &e.Changes); err != nil {
		return client.Event{}, fmt.Errorf("store: decode event %s: changes: %w", r.EventID, err)
	}
	return e, nil
}

// versionAfter is the version a delete of a client at version v records.
func versionAfter(v int64) int64 { return v + 1 }
