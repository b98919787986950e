package store

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Item layout. Every item has the one key attribute keyAttr.
const (
	keyAttr      = "pk"
	clientPrefix = "CLIENT#"
	emailPrefix  = "EMAIL#" // uniqueness lock: EMAIL#<client.EmailKey(email)> → owner clientId
	phonePrefix  = "PHONE#" // uniqueness lock: PHONE#<E.164 Twilio number> → owner clientId
)

// record is a client item as stored: the attributes below, and the table's
// fields (client.Fields) under their stored attribute names, top-level or
// inside the clientMeta map. A removable field that is unset is absent.
type record struct {
	PK       string `dynamodbav:"pk"`
	ClientID string `dynamodbav:"clientId"`
	// EmailKey is client.EmailKey of the email, the key of its lock, so
	// that an update's condition can say "the lock stays" (update.go).
	// Items written before it have none.
	EmailKey         string `dynamodbav:"emailKey,omitempty"`
	CreatedAt        string `dynamodbav:"createdAt"`
	UpdatedAt        string `dynamodbav:"updatedAt"`
	UpdatedBy        string `dynamodbav:"updatedBy,omitempty"`
	Version          int64  `dynamodbav:"version"`
	TokensValidAfter string `dynamodbav:"tokensValidAfter,omitempty"`
	SecretHash       string `dynamodbav:"secretHash,omitempty"` // passhash's; read only by sign-in
	GSI1PK           string `dynamodbav:"gsi1pk,omitempty"`     // the list indexes' keys (list.go)
	GSI1SK           string `dynamodbav:"gsi1sk,omitempty"`
	// LastChange is the origin of the write that produced the item, for
	// its history (history.go). Items written before it have none.
	LastChange *lastChange `dynamodbav:"lastChange,omitempty"`
	// fields holds the values of the table's fields (the rest of it is
	// unset), read by decodeRecord and written by item.
	fields client.Client
}

// itemKey is the table key of the item whose keyAttr is pk: a client
// (clientKey), a lock (unique.key) or an attempts counter (attemptKey).
func itemKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: pk}}
}

func clientKey(id string) map[string]types.AttributeValue { return itemKey(clientPrefix + id) }

func toRecord(c client.Client) record {
	return record{
		PK: clientPrefix + c.ClientID, ClientID: c.ClientID, CreatedAt: client.FormatTime(c.CreatedAt),
		UpdatedAt: client.FormatTime(c.UpdatedAt), UpdatedBy: c.UpdatedBy, Version: c.Version,
		TokensValidAfter: client.FormatTime(c.TokensValidAfter),
		GSI1PK:           allClients, GSI1SK: sortKey(client.FormatTime(c.CreatedAt), c.ClientID),
		fields: c,
	}
}

// item is r as DynamoDB stores it. The search copies are written even
// when empty: a filter's contains() on an absent attribute is false in
// DynamoDB but an error in minidyn.
func (r *record) item() (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return nil, fmt.Errorf("store: encode client: %w", err)
	}
	meta := map[string]types.AttributeValue{}
	for _, f := range client.Fields() {
		v := f.Get(&r.fields)
		if f.Searched {
			item[f.SearchAttr()] = &types.AttributeValueMemberS{Value: fold(v)}
		}
		if v == "" && f.Removable {
			continue
		}
		if f.Meta {
			meta[f.Attr] = &types.AttributeValueMemberS{Value: v}
		} else {
			item[f.Attr] = &types.AttributeValueMemberS{Value: v}
		}
	}
	item[client.MetaKey] = &types.AttributeValueMemberM{Value: meta}
	return item, nil
}

func fromItem(item map[string]types.AttributeValue) (client.Client, error) {
	r, err := decodeRecord(item)
	if err != nil {
		return client.Client{}, err
	}
	return r.client()
}

// decodeRecord reads a client item. Its own attributes are decoded by
// hand, as attributevalue.UnmarshalMap into record did (asString,
// asInt64, decodeStamp say how), but without reflection: this runs on
// every read and every update's answer, and UnmarshalMap was most of the
// update route's own cost after the SDK call (its field cache also built
// at the cold start's first request). One difference, on purpose: an
// attribute is matched by its exact name, where UnmarshalMap also took a
// name in another letter case, which nothing writes.
// TestDecodeRecordDecodesAsUnmarshalMapDid holds it to UnmarshalMap.
func decodeRecord(item map[string]types.AttributeValue) (record, error) {
	var r record
	for _, a := range [...]struct {
		name string
		dst  *string
	}{
		{keyAttr, &r.PK}, {"clientId", &r.ClientID}, {"emailKey", &r.EmailKey}, {"createdAt", &r.CreatedAt},
		{"updatedAt", &r.UpdatedAt}, {"updatedBy", &r.UpdatedBy}, {"tokensValidAfter", &r.TokensValidAfter},
		{"secretHash", &r.SecretHash}, {"gsi1pk", &r.GSI1PK}, {"gsi1sk", &r.GSI1SK},
	} {
		s, err := asString(item[a.name])
		if err != nil {
			return record{}, fmt.Errorf("store: decode client: %s: %w", a.name, err)
		}
		*a.dst = s
	}
	v, err := asInt64(item["version"])
	if err != nil {
		return record{}, fmt.Errorf("store: decode client: version: %w", err)
	}
	r.Version = v
	if av, ok := item[lastChangeAttr]; ok {
		if _, null := av.(*types.AttributeValueMemberNULL); !null {
			l, err := decodeStamp(av)
			if err != nil {
				return record{}, fmt.Errorf("store: decode client: %w", err)
			}
			r.LastChange = &l
		}
	}
	var meta map[string]types.AttributeValue
	switch m := item[client.MetaKey].(type) {
	case nil, *types.AttributeValueMemberNULL:
	case *types.AttributeValueMemberM:
		meta = m.Value
	default:
		return record{}, fmt.Errorf("store: decode client %s: %s is not a map", r.ClientID, client.MetaKey)
	}
	for _, f := range client.Fields() {
		in := item
		if f.Meta {
			in = meta
		}
		switch v := in[f.Attr].(type) {
		case nil, *types.AttributeValueMemberNULL:
		case *types.AttributeValueMemberS:
			f.Set(&r.fields, v.Value)
		default:
			// The error names only the attribute: logs carry the error.
			return record{}, fmt.Errorf("store: decode client %s: %s is not a string", r.ClientID, f.AttrPath())
		}
	}
	return r, nil
}

// asString is a string attribute as attributevalue decodes one into a
// string: S is its value, N its digits, absent or NULL empty, and any
// other type an error.
func asString(av types.AttributeValue) (string, error) {
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return "", nil
	case *types.AttributeValueMemberS:
		return v.Value, nil
	case *types.AttributeValueMemberN:
		return v.Value, nil
	default:
		return "", errNotString
	}
}

// asInt64 is an integer attribute as attributevalue decodes one into an
// int64: N parsed in base 10, absent or NULL 0, and any other type (S
// included) an error.
func asInt64(av types.AttributeValue) (int64, error) {
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return 0, nil
	case *types.AttributeValueMemberN:
		return strconv.ParseInt(v.Value, 10, 64)
	default:
		return 0, errNotNumber
	}
}

var (
	errNotString = errors.New("not a string")
	errNotNumber = errors.New("not a number")
)

// withoutTimes is r's client with its times unset.
func (r *record) withoutTimes() client.Client {
	c := r.fields
	c.ClientID, c.UpdatedBy, c.Version = r.ClientID, r.UpdatedBy, r.Version
	return c
}

// client is the domain view of r. A stored time that does not parse is an
// error: a zero time shown as a client's, or compared as its session
// stamp, would be a wrong answer, not a missing one.
func (r *record) client() (client.Client, error) {
	c := r.withoutTimes()
	for _, f := range []struct {
		name     string
		stored   string
		dst      *time.Time
		optional bool // absent on items that never had it
	}{
		{"createdAt", r.CreatedAt, &c.CreatedAt, false},
		{"updatedAt", r.UpdatedAt, &c.UpdatedAt, false},
		{"tokensValidAfter", r.TokensValidAfter, &c.TokensValidAfter, true},
	} {
		if f.stored == "" && f.optional {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.stored)
		if err != nil {
			// The stored text is no secret, but the error names only the
			// attribute: logs carry the error.
			return client.Client{}, fmt.Errorf("store: decode client %s: %s is not an RFC 3339 time", r.ClientID, f.name)
		}
		*f.dst = t
	}
	return c, nil
}
