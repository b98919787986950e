// Package client holds the domain of the Outbound Caller admin API: the
// client record, its partial update, the rules both must satisfy and the
// errors the rest of the system speaks in. It knows nothing about AWS.
package client

import (
	"errors"
	"time"
)

// Status is a client account status.
type Status string

// The three statuses the API accepts, spelled exactly as in the contract.
const (
	StatusActive    Status = "Active"
	StatusInactive  Status = "Inactive"
	StatusSuspended Status = "Suspended"
)

// The field table. Each client field is one line below: its Go field, and
// in its tags everything the rest of the system derives from it (fields.go
// reads the tags once, at start-up):
//
//	field:"<JSON name>,<options>"
//	  required   required on create
//	  removable  null (or "") on update removes it; a view leaves it out when unset
//	  admin      only an admin changes it; client: the client too, on its own profile
//	  listed     the list indexes project it (template.yaml, store.ListedAttributes)
//	  searched   list search matches it (stored folded as search<Name>)
//	  attr=<a>   its stored attribute, when not its JSON name
//	rule:"<go-playground/validator tags>"  the rule its value must pass
//
// Declaration order is the order fields are decoded, validated, shown and
// written in. A new field is one line here, one in openapi.yaml, one in
// template.yaml's projections if listed, one in the console's fields.js: a
// test (drift_test.go) names whichever disagrees.

// Meta is a client's contact and business information (clientMeta).
type Meta struct {
	FullName     string `field:"fullName,required,client,listed,searched" rule:"min=1,max=200,text"`
	Email        string `field:"email,required,admin,listed,searched" rule:"max=254,email"`
	Phone        string `field:"phone,required,removable,client,listed" rule:"e164"`
	BusinessName string `field:"businessName,removable,client,listed,searched" rule:"max=200,text"`
	City         string `field:"city,removable,client,listed" rule:"max=100,text"`
	JobTitle     string `field:"jobTitle,removable,client,listed" rule:"max=100,text"`
	Notes        string `field:"notes,removable,client,listed" rule:"max=2000,text"`
}

// Client is a customer of the calling service as the admin API shows it.
// The secret hash is deliberately absent: it never leaves the store.
type Client struct {
	ClientID          string
	Status            Status `field:"status,admin,listed" rule:"oneof=Active Inactive Suspended"`
	AgentID           string `field:"agentId,required,admin,listed" rule:"agentid"`
	TwilioPhoneNumber string `field:"twilioPhoneNumber,required,admin,listed" rule:"e164"`
	CalID             string `field:"calId,removable,admin,listed" rule:"agentid"` // GoHighLevel calendar id
	Meta              Meta   `field:"clientMeta"`
	CreatedAt         time.Time
	UpdatedAt         time.Time
	UpdatedBy         string // the admin's "sub" of the last write
	// TokensValidAfter changes whenever the client's tokens must stop
	// working (status away from Active, secret reset); a client token
	// carries the value it was issued under.
	TokensValidAfter time.Time
	// Version counts writes; it is the basis of the ETag.
	Version int64
}

// Domain errors. The API edge maps each to a status code and body.
var (
	ErrNotFound   = errors.New("client not found")
	ErrEmailTaken = errors.New("email is already in use by another client")
	// ErrConflict means the client kept changing under a read-modify-write
	// and the retries ran out.
	ErrConflict = errors.New("client was modified concurrently")
)

// ValidationError says what is wrong with a request, naming the field.
type ValidationError struct {
	Field   string // JSON path of the offending field, e.g. "clientMeta.email"
	Message string // human readable, safe to show to the caller
}

func (e *ValidationError) Error() string { return e.Message }

func invalid(field, format string) *ValidationError {
	return &ValidationError{Field: field, Message: format}
}

// More domain errors.
var (
	ErrIDTaken    = errors.New("client id already exists")
	ErrPhoneTaken = errors.New("twilio phone number is already assigned to another client")
	// ErrPreconditionFailed means an If-Match version no longer matches.
	ErrPreconditionFailed = errors.New("client was modified by another request")
	// ErrSessionRevoked means a client token was issued before the client's
	// tokens were revoked, or the client is no longer Active.
	ErrSessionRevoked = errors.New("client session revoked")
)

// NoVersion is a version no client has: a write with IfVersion NoVersion
// is refused (ErrPreconditionFailed) whenever the client exists, and is
// ErrNotFound when it does not, in the write's own condition. It is what
// If-None-Match: * asks of a write that only ever changes an existing
// client.
const NoVersion int64 = -1

// Write says who writes and under which conditions. The zero value allows
// any write to an existing client.
type Write struct {
	By string // recorded as updatedBy: the admin's "sub", or the client id
	// IfVersion, when not 0, allows the write only at this version
	// (If-Match); NoVersion allows it at none (If-None-Match: *).
	IfVersion int64
	// Session, when not empty, is the TokensValidAfter stamp of the caller's
	// client token: the write happens only while it is still current and the
	// client is Active.
	Session string
	// Origin is what the write is and who asked, recorded in the client's
	// history with the change (history.go).
	Origin Origin
}

// TimeLayout renders timestamps as the contract shows them: UTC with
// milliseconds and a "Z".
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime renders t in TimeLayout, in UTC. Years 0 to 9999 (every time
// the service writes) are written digit by digit: a request formats several
// times, and time.Format re-reads its layout on each call
// (TestFormatTimeIsFormat and FuzzFormatTime hold this to time.Format).
func FormatTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(TimeLayout)
	}
	hour, minute, sec := t.Clock()
	b := []byte("0000-00-00T00:00:00.000Z")
	digits := func(at, n, v int) {
		for i := at + n - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	digits(0, 4, year)
	digits(5, 2, int(month))
	digits(8, 2, day)
	digits(11, 2, hour)
	digits(14, 2, minute)
	digits(17, 2, sec)
	digits(20, 3, t.Nanosecond()/1e6)
	return string(b)
}

// ParseTime reads a stored time: TimeLayout, or any RFC 3339 time.
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// Storable reports whether t, to the millisecond, reads back as itself from
// FormatTime. RFC 3339 spells years in four digits, so a time outside the
// years 0 to 9999 is written but cannot be read or served again.
func Storable(t time.Time) bool {
	ms := t.UTC().Truncate(time.Millisecond)
	back, err := ParseTime(FormatTime(ms))
	return err == nil && back.Equal(ms)
}

// Apply returns c changed by u, stamped with at and by, one version later.
// The store uses it where DynamoDB does not hand back the new item.
func (c Client) Apply(u Update, at time.Time, by string) Client {
	for _, ch := range u.Changes() {
		ch.Field.Set(&c, ch.Value) // "" unsets a removed field
	}
	if st, ok := u.Status(); ok && st != StatusActive {
		c.TokensValidAfter = at
	}
	c.UpdatedAt, c.UpdatedBy, c.Version = at, by, c.Version+1
	return c
}

// ErrUnavailable means the database is throttling or did not answer in
// time; the request may be retried.
var ErrUnavailable = errors.New("database temporarily unavailable")

// SessionCurrent reports whether a client token issued under stamp (the
// FormatTime of TokensValidAfter it carries) still counts: the client is
// Active and its tokens have not been revoked since. The stamp and the
// stored time are compared as instants, not as text: a time stored in
// another RFC 3339 spelling (without milliseconds, with an offset) is the
// same session. A stamp that is not a time never counts.
func (c *Client) SessionCurrent(stamp string) bool {
	if c.Status != StatusActive {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, stamp)
	return err == nil && t.Equal(c.TokensValidAfter)
}

// ValidID reports whether id could name a client: 3-64 characters of
// letters, digits, '_' and '-'. Anything else cannot exist, so the API
// answers 404 without asking the database.
func ValidID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
