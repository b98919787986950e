package migrate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// candidate is a source document as this service would store it.
type candidate struct {
	where   string
	client  client.Client
	secret  string // the original's clientSecret; "" when it has none
	dropped []string
}

// Refusal is a client the migration does not write, and why. The JSON
// names are the report's.
type Refusal struct {
	ClientID string `json:"clientId"`
	Field    string `json:"field"`
	Reason   string `json:"reason"`
	HeldBy   string `json:"heldBy,omitempty"`
}

// read are the original's top-level fields this service reads besides
// the client fields of the table (client.Fields, clientMeta among them):
// every other field is dropped and counted by name.
var read = map[string]bool{
	"_id": true, "__v": true, "clientId": true, "clientSecret": true, "createdAt": true, "updatedAt": true,
}

// topField is the table's top-level field the original names key, if any:
// the original's documents use the API's JSON names.
func topField(key string) (*client.Field, bool) {
	f, ok := client.FieldAt(key)
	return f, ok && !f.Meta
}

// Actor is the updatedBy of every client the migration writes: how a
// re-run tells a client it wrote and nobody changed since.
const Actor = "migration"

// Origin is the history's origin of every client the migration writes:
// an import, by the migration tool.
func Origin() client.Origin {
	return client.Origin{Action: client.ActionImport, Actor: client.Actor{Sub: Actor, Role: client.RoleMigration}}
}

// convert turns a document into a candidate by way of the create route's
// rules: the document's client fields become a client.Create, checked by
// rules.CheckCreate exactly as a created client is. Nulls are read as the
// create route reads them (a null removable field is absent; any other
// null is refused, naming the field). The secret is left out of the
// Create: the original's secrets are shorter than the 32 characters this
// service asks of new ones, and a client must keep the secret it has.
func convert(rules *client.Rules, d Document) (candidate, *Refusal) {
	c := candidate{where: d.Where}
	var cr client.Create
	nulls := map[*client.Field]bool{} // named null where null removes nothing
	put := func(f *client.Field, v any) {
		s, _ := v.(string)
		nulls[f] = v == nil && f.NullError() != nil
		cr.Fields.Set(f, s) // nil, like "", removes a removable field
	}
	id, _ := lookup(d.Doc, "clientId")
	idText, _ := id.(string)
	refuse := func(field, reason string) (candidate, *Refusal) {
		return c, &Refusal{ClientID: idText, Field: field, Reason: d.Where + ": " + reason}
	}
	refuseErr := func(err error) (candidate, *Refusal) {
		var ve *client.ValidationError
		var me *client.MissingError
		switch {
		case errors.As(err, &ve):
			return refuse(ve.Field, ve.Message)
		case errors.As(err, &me):
			return refuse(me.Fields[0], "missing required fields: "+strings.Join(me.Fields, ", "))
		default:
			return refuse("", err.Error())
		}
	}
	if id == nil {
		return refuse("clientId", "the document has no clientId")
	}
	checkID := false
	for _, e := range d.Doc {
		top, isField := topField(e.Key)
		switch {
		case e.Key == client.MetaKey:
			meta, ok := e.Value.(bson.D)
			if !ok {
				if e.Value == nil {
					continue // CheckCreate names the missing fields
				}
				return refuse(client.MetaKey, client.MetaKey+" must be a document")
			}
			for _, m := range meta {
				f, ok := client.FieldAt(client.MetaKey + "." + m.Key)
				if !ok {
					c.dropped = append(c.dropped, client.MetaKey+"."+quote(m.Key))
					continue
				}
				v, ok := text(m.Value)
				if !ok {
					return refuse(f.Path, f.Path+" must be a string")
				}
				put(f, v)
			}
		case isField:
			v, ok := text(e.Value)
			if !ok {
				return refuse(e.Key, e.Key+" must be a string")
			}
			put(top, v)
		case e.Key == "clientId":
			v, ok := text(e.Value)
			if !ok {
				return refuse("clientId", "clientId must be a string")
			}
			s, _ := v.(string)
			cr.ClientID, checkID = strings.TrimSpace(s), v != nil // trimmed, as the create route trims it
		case e.Key == "clientSecret":
			v, ok := text(e.Value)
			if !ok {
				return refuse("clientSecret", "clientSecret must be a string")
			}
			if s, _ := v.(string); s != "" {
				c.secret = s
			}
		case !read[e.Key]:
			c.dropped = append(c.dropped, quote(e.Key))
		}
	}
	// The create route's order: the id, the nulls (in table order), then
	// CheckCreate's required fields and rules.
	if checkID {
		if err := client.CheckID(cr.ClientID); err != nil {
			return refuseErr(err)
		}
	}
	for _, f := range client.Fields() {
		if nulls[f] {
			return refuseErr(f.NullError())
		}
	}
	if err := rules.CheckCreate(&cr); err != nil {
		return refuseErr(err)
	}
	created, updated, r := times(d)
	if r != nil {
		return refuse(r.Field, r.Reason)
	}
	c.client = cr.Client(created, Actor)
	c.client.UpdatedAt = updated
	return c, nil
}

// text accepts a string or null (nil), the only types the service's
// string fields can come from.
func text(v any) (any, bool) {
	switch s := v.(type) {
	case nil:
		return nil, true
	case string:
		return s, true
	}
	return nil, false
}

// times reads createdAt and updatedAt as the original recorded them
// (Mongoose's timestamps, BSON dates), to the millisecond this service
// stores. A document without createdAt takes its ObjectID's creation time;
// without updatedAt, its createdAt.
func times(d Document) (created, updated time.Time, r *Refusal) {
	created, ok, err := date(d.Doc, "createdAt")
	if err != nil {
		return created, updated, &Refusal{Field: "createdAt", Reason: err.Error()}
	}
	if !ok {
		id, _ := lookup(d.Doc, "_id")
		oid, isOID := id.(bson.ObjectID)
		if !isOID {
			return created, updated, &Refusal{Field: "createdAt", Reason: "the document has neither createdAt nor an ObjectID _id"}
		}
		created = oid.Timestamp()
	}
	updated, ok, err = date(d.Doc, "updatedAt")
	if err != nil {
		return created, updated, &Refusal{Field: "updatedAt", Reason: err.Error()}
	}
	if !ok {
		updated = created
	}
	return created.UTC().Truncate(time.Millisecond), updated.UTC().Truncate(time.Millisecond), nil
}

// date reads d's key as a time the service can store and serve again
// (client.Storable): a date in year 10000, before year 0, or at the ends of
// int64 would be written, and then that client would answer 500 on every
// read. The message names the field, never its value.
func date(d bson.D, key string) (time.Time, bool, error) {
	v, ok := lookup(d, key)
	if !ok || v == nil {
		return time.Time{}, false, nil
	}
	var t time.Time
	switch x := v.(type) {
	case bson.DateTime:
		t = x.Time()
	case time.Time:
		t = x
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%s is not a date", key)
		}
		t = parsed
	default:
		return time.Time{}, false, fmt.Errorf("%s is not a date", key)
	}
	if !client.Storable(t) {
		return time.Time{}, false, fmt.Errorf("%s is outside the years this service can store (0 to 9999)", key)
	}
	return t, true, nil
}

// same reports whether stored holds what c would write, field by field
// (the secret aside: the original changes updatedAt when it changes one).
func same(stored, c client.Client) bool {
	for _, f := range client.Fields() {
		if f.Get(&stored) != f.Get(&c) {
			return false
		}
	}
	return stored.ClientID == c.ClientID && stored.CreatedAt.Equal(c.CreatedAt) && stored.UpdatedAt.Equal(c.UpdatedAt)
}
