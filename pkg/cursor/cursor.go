// Package cursor turns a listing position into an opaque, tamper-evident
// token and back. A cursor is bound to the query it continues, so that one
// cannot be replayed against another filter.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// ErrInvalid means a cursor was altered, truncated, made by another
// deployment, or belongs to a different query.
var ErrInvalid = errors.New("cursor: invalid")

// Codec signs and checks cursors with an HMAC-SHA256 key. Every instance
// of a deployment must share the key, so it comes from configuration
// (DeriveKey), never from per-process randomness.
type Codec struct {
	key []byte
}

// New returns a Codec with key.
func New(key []byte) *Codec { return &Codec{key: key} }

// DeriveKey derives the cursor key from a configured secret, with a label
// so that the key signs nothing but cursors.
func DeriveKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("outbound-caller/list-cursor/v1"))
	return m.Sum(nil)
}

// payload is what a cursor carries: the position and the query it was
// issued for.
type payload struct {
	CreatedAt string `json:"c"`
	ClientID  string `json:"i"`
	Status    string `json:"s,omitempty"`
	Search    string `json:"q,omitempty"`
	Before    int    `json:"b,omitempty"` // a search's matches so far
}

// Encode returns the cursor continuing query q after position p.
func (c *Codec) Encode(p client.Position, q client.ListQuery) string {
	b, _ := json.Marshal(payload{CreatedAt: p.CreatedAt, ClientID: p.ClientID, Status: string(q.Status), Search: q.Search, Before: p.Before})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b) + "." + enc.EncodeToString(c.mac(b))
}

// Decode checks a cursor for query q and returns its position.
func (c *Codec) Decode(s string, q client.ListQuery) (client.Position, error) {
	body, sig, ok := strings.Cut(s, ".")
	if !ok || len(s) > 1024 {
		return client.Position{}, ErrInvalid
	}
	enc := base64.RawURLEncoding
	b, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(b)) {
		return client.Position{}, ErrInvalid
	}
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return client.Position{}, ErrInvalid
	}
	// A genuine cursor of another query is refused too: its position means
	// nothing in this listing.
	if p.Status != string(q.Status) || p.Search != q.Search {
		return client.Position{}, ErrInvalid
	}
	if _, err := time.Parse(client.TimeLayout, p.CreatedAt); err != nil || !client.ValidID(p.ClientID) || p.Before < 0 {
		return client.Position{}, ErrInvalid
	}
	return client.Position{CreatedAt: p.CreatedAt, ClientID: p.ClientID, Before: p.Before}, nil
}

func (c *Codec) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	return m.Sum(nil)
}
