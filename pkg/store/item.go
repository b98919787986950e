package store

import (
	"fmt"
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

// record is a client item as stored.
type record struct {
	PK                string `dynamodbav:"pk"`
	ClientID          string `dynamodbav:"clientId"`
	Status            string `dynamodbav:"status"`
	AgentID           string `dynamodbav:"agentId"`
	TwilioPhoneNumber string `dynamodbav:"twilioPhoneNumber"`
	// EmailKey is client.EmailKey of the email, the key of its lock, so
	// that an update's condition can say "the lock stays" (update.go).
	// Items written before it have none.
	EmailKey         string     `dynamodbav:"emailKey,omitempty"`
	CalID            string     `dynamodbav:"calId,omitempty"`
	Meta             metaRecord `dynamodbav:"clientMeta"`
	CreatedAt        string     `dynamodbav:"createdAt"`
	UpdatedAt        string     `dynamodbav:"updatedAt"`
	UpdatedBy        string     `dynamodbav:"updatedBy,omitempty"`
	Version          int64      `dynamodbav:"version"`
	TokensValidAfter string     `dynamodbav:"tokensValidAfter,omitempty"`
	SecretHash       string     `dynamodbav:"secretHash,omitempty"` // argon2id; read only by sign-in
	listing
}

// listing holds the attributes only the list indexes read (see list.go).
// The search copies are written even when empty: a filter's contains() on
// an absent attribute is false in DynamoDB but an error in minidyn.
type listing struct {
	GSI1PK             string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK             string `dynamodbav:"gsi1sk,omitempty"`
	SearchFullName     string `dynamodbav:"searchFullName"`
	SearchEmail        string `dynamodbav:"searchEmail"`
	SearchBusinessName string `dynamodbav:"searchBusinessName"`
}

// metaRecord is clientMeta as stored: named like the API, optional fields
// absent rather than empty.
type metaRecord struct {
	FullName     string `dynamodbav:"fullName"`
	Email        string `dynamodbav:"email"`
	Phone        string `dynamodbav:"phone,omitempty"`
	BusinessName string `dynamodbav:"businessName,omitempty"`
	City         string `dynamodbav:"city,omitempty"`
	JobTitle     string `dynamodbav:"jobTitle,omitempty"`
	Notes        string `dynamodbav:"notes,omitempty"`
}

func clientKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: clientPrefix + id}}
}

func toRecord(c client.Client) record {
	return record{
		PK: clientPrefix + c.ClientID, ClientID: c.ClientID, Status: string(c.Status), AgentID: c.AgentID,
		TwilioPhoneNumber: c.TwilioPhoneNumber, CalID: c.CalID, Meta: metaRecord(c.Meta), CreatedAt: client.FormatTime(c.CreatedAt),
		UpdatedAt: client.FormatTime(c.UpdatedAt), UpdatedBy: c.UpdatedBy, Version: c.Version,
		TokensValidAfter: client.FormatTime(c.TokensValidAfter),
		listing: listing{
			GSI1PK: allClients, GSI1SK: sortKey(client.FormatTime(c.CreatedAt), c.ClientID),
			SearchFullName: fold(c.Meta.FullName), SearchEmail: fold(c.Meta.Email), SearchBusinessName: fold(c.Meta.BusinessName),
		},
	}
}

func fromItem(item map[string]types.AttributeValue) (client.Client, error) {
	r, err := decodeRecord(item)
	if err != nil {
		return client.Client{}, err
	}
	return r.client()
}

func decodeRecord(item map[string]types.AttributeValue) (record, error) {
	var r record
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return record{}, fmt.Errorf("store: decode client: %w", err)
	}
	return r, nil
}

// client is the domain view of r. A stored time that does not parse is an
// error: a zero time shown as a client's, or compared as its session
// stamp, would be a wrong answer, not a missing one.
func (r *record) client() (client.Client, error) {
	c := client.Client{
		ClientID: r.ClientID, Status: client.Status(r.Status), AgentID: r.AgentID,
		TwilioPhoneNumber: r.TwilioPhoneNumber, CalID: r.CalID, Meta: client.Meta(r.Meta),
		UpdatedBy: r.UpdatedBy, Version: r.Version,
	}
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
