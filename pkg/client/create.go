package client

import (
	"crypto/rand"
	"strings"
	"time"
)

// Create is a new client as an admin asks for it: the fields of an Update
// (checked by the same rules, Rules.CheckCreate), plus an optional id and
// secret.
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
