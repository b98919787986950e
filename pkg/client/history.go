package client

import (
	"time"
)

// Action names a kind of change to a client, as its history records it.
type Action string

// The actions of a client's history.
const (
	ActionCreate      Action = "create"       // an admin created it
	ActionImport      Action = "import"       // the migration tool moved it in from the original
	ActionUpdate      Action = "update"       // an admin changed it
	ActionSelfUpdate  Action = "self-update"  // the client changed its own profile
	ActionResetSecret Action = "reset-secret" // an admin issued a new secret
	ActionDelete      Action = "delete"       // an admin deleted it
)

// The roles an actor of the history has.
const (
	RoleAdmin     = "admin"
	RoleClient    = "client"
	RoleMigration = "migration"
)

// Actor is who made a change: the token's subject (an admin's username, the
// client's own id, the migration tool's name) and its role.
type Actor struct {
	Sub  string `json:"sub"`
	Role string `json:"role"`
}

// Origin is what a write is and where it came from, for the history: the
// write carries it to the table, in the same write as the change.
type Origin struct {
	Action    Action
	Actor     Actor
	RequestID string // API Gateway's request id; "" outside a request
	SourceIP  string // the caller's address; "" outside a request
}

// SecretPath is the history's name for the client secret. A reset records
// that it changed, never a secret or a hash (FieldChange.Hidden).
const SecretPath = "clientSecret"

// FieldChange is one field's change: its value before and after, nil where
// it was or became unset. Hidden marks a change whose values are never
// recorded (the secret): From and To are then nil.
type FieldChange struct {
	From   *string `json:"from"`
	To     *string `json:"to"`
	Hidden bool    `json:"hidden,omitempty"`
}

// Event is one change to a client, as its history keeps it.
type Event struct {
	EventID   string                 `json:"eventId"`
	ClientID  string                 `json:"-"`
	At        time.Time              `json:"-"`
	Action    Action                 `json:"action"`
	Actor     Actor                  `json:"actor"`
	RequestID string                 `json:"requestId,omitempty"`
	SourceIP  string                 `json:"sourceIp,omitempty"`
	Changes   map[string]FieldChange `json:"changes"`
	// Version is the client's version the event produced (its delete: one
	// past the last); with At it orders a client's events and names the
	// event, so that recording it twice is recording it once.
	Version int64 `json:"-"`
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// Changes lists what a write changed from one version of a client to the
// next, by JSON path, for every field whose value differs; secretChanged
// adds the secret (hidden). It is empty when nothing changed: naming a
// field with the value it already had is no change.
func Changes(from, to Client, secretChanged bool) map[string]FieldChange {
	out := map[string]FieldChange{}
	for _, d := range Diff(from, to) {
		out[d.Field.Path] = FieldChange{From: optional(d.From), To: optional(d.To)}
	}
	if secretChanged {
		out[SecretPath] = FieldChange{Hidden: true}
	}
	return out
}

// NewEvent is the event of a write of origin o that turned from into to at
// at, to being at version. A create or import has from zero and records
// every field set, with its secret; a delete has to zero and records every
// field as it was.
func NewEvent(o Origin, at time.Time, id string, version int64, from, to Client, secretChanged bool) Event {
	return Event{
		ClientID: id, At: at.UTC().Truncate(time.Millisecond), Action: o.Action, Actor: o.Actor,
		RequestID: o.RequestID, SourceIP: o.SourceIP, Version: version,
		Changes: Changes(from, to, secretChanged),
	}
}

// HistoryQuery asks for one page of a client's history, newest first.
type HistoryQuery struct {
	ClientID string
	Limit    int
	// After, when set, is the position of the last event of the previous
	// page (HistoryPage.Next).
	After *HistoryPosition
}

// HistoryPosition is where a history page ended: its last event's sort key.
type HistoryPosition struct {
	Key string // the event's sort key within the client's history
}

// HistoryPage is a page of a client's history.
type HistoryPage struct {
	Events []Event
	// Next is where the next page starts; nil on the last page.
	Next *HistoryPosition
}
