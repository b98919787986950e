package client

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"
)

// Create is a new client as an admin asks for it: the fields of an Update
// (validated by the same rules), plus an optional id and secret.
type Create struct {
	ClientID string // empty: the caller lets the service choose (NewID)
	Secret   string // empty: the caller lets the service generate one
	Fields   Update
}

// MissingError lists required fields a request left out, by JSON path.
type MissingError struct {
	Fields []string
}

func (e *MissingError) Error() string {
	return "missing required fields: " + strings.Join(e.Fields, ", ")
}

// Secret length bounds: the contract's minimum, and a maximum that bounds
// the hashing work one request can ask for.
const (
	MinSecretLen = 32
	MaxSecretLen = 256
)

// DecodeCreate parses a POST /admin/clients body. Structure and types are
// checked first, then the required fields (a *MissingError naming all that
// are absent), then the same rules as DecodeUpdate.
func (r *Rules) DecodeCreate(body []byte) (Create, error) {
	var c Create
	top, err := decodeObject(body, "")
	if err != nil {
		return c, err
	}
	if raw, ok := top["clientId"]; ok {
		id, null, err := decodeString(raw, "clientId")
		if err != nil {
			return c, err
		}
		if !null && !ValidID(id) {
			return c, invalid("clientId", "clientId must be 3-64 characters of letters, digits, '_' or '-'")
		}
		c.ClientID = id
	}
	if raw, ok := top["clientSecret"]; ok && !isNull(raw) {
		// Not trimmed: every character of a secret counts.
		if err := json.Unmarshal(raw, &c.Secret); err != nil {
			return c, invalid("clientSecret", "clientSecret must be a string")
		}
		if n := len([]rune(c.Secret)); n < MinSecretLen || n > MaxSecretLen {
			return c, invalid("clientSecret", "clientSecret must be 32 to 256 characters")
		}
	}
	delete(top, "clientId")
	delete(top, "clientSecret")
	if c.Fields, err = decodeFields(top); err != nil {
		return c, err
	}
	u := &c.Fields
	var missing []string
	for _, f := range []struct {
		path string
		v    *string
	}{
		{"clientMeta.fullName", u.Meta.FullName}, {"clientMeta.email", u.Meta.Email}, {"clientMeta.phone", u.Meta.Phone},
		{"agentId", u.AgentID}, {"twilioPhoneNumber", u.TwilioPhoneNumber},
	} {
		if f.v == nil || *f.v == "" {
			missing = append(missing, f.path)
		}
	}
	if len(missing) > 0 {
		return c, &MissingError{Fields: missing}
	}
	u.Meta.Remove = nil // a null optional field of a new client is simply absent
	if u.CalID != nil && *u.CalID == "" {
		u.CalID = nil
	}
	return c, r.validate(u)
}

// Client is the new client c describes, written at `at` by `by`: version
// 1, status Active unless given, tokens valid from its creation.
func (c Create) Client(at time.Time, by string) Client {
	out := Client{
		ClientID: c.ClientID, Status: StatusActive, CreatedAt: at, TokensValidAfter: at,
	}
	out = out.Apply(c.Fields, at, by) // version 0 → 1, updatedAt/By stamped
	out.TokensValidAfter = at
	return out
}

// FieldNames lists the JSON paths an update sets or removes, for audit
// logs: the names, never the values.
func (u *Update) FieldNames() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"status", u.Status != nil}, {"agentId", u.AgentID != nil}, {"twilioPhoneNumber", u.TwilioPhoneNumber != nil}, {"calId", u.CalID != nil}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	for _, f := range u.Meta.Values() {
		out = append(out, "clientMeta."+f.Name)
	}
	for _, name := range u.Meta.Remove {
		out = append(out, "clientMeta."+name)
	}
	return out
}

// base62 is the alphabet of generated client ids.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idRandomChars is the length of the random part of a generated id:
// 22 base62 characters carry 130 bits.
const idRandomChars = 22

// NewID returns "client_" and 22 base62 characters from crypto/rand.
func NewID() string {
	b := make([]byte, 0, len("client_")+idRandomChars)
	b = append(b, "client_"...)
	var buf [64]byte
	for len(b) < cap(b) {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
		for _, x := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every character
			// equally likely.
			if x < 248 && len(b) < cap(b) {
				b = append(b, base62[x%62])
			}
		}
	}
	return string(b)
}
