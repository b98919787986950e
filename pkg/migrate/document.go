package migrate

import (
	"encoding/json"
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

// modelled are the original's top-level fields this service keeps (or,
// for _id, __v, createdAt and updatedAt, reads); every other field is
// dropped and counted by name.
var modelled = map[string]bool{
	"_id": true, "__v": true, "clientId": true, "clientSecret": true, "calId": true, "status": true,
	"agentId": true, "twilioPhoneNumber": true, "clientMeta": true, "createdAt": true, "updatedAt": true,
}

var metaFields = []string{"fullName", "email", "phone", "businessName", "city", "jobTitle", "notes"}

// Actor is the updatedBy of every client the migration writes: how a
// re-run tells a client it wrote and nobody changed since.
const Actor = "migration"

// convert turns a document into a candidate by way of the create route's
// rules: the modelled fields become a POST /admin/clients body, decoded
// and validated by rules.DecodeCreate exactly as a request would be. The
// secret is left out of that body: the original's secrets are shorter
// than the 32 characters this service asks of new ones, and a client must
// keep the secret it has.
func convert(rules *client.Rules, d Document) (candidate, *Refusal) {
	c := candidate{where: d.Where}
	body := map[string]any{}
	id, _ := lookup(d.Doc, "clientId")
	idText, _ := id.(string)
	refuse := func(field, reason string) (candidate, *Refusal) {
		return c, &Refusal{ClientID: idText, Field: field, Reason: d.Where + ": " + reason}
	}
	if id == nil {
		return refuse("clientId", "the document has no clientId")
	}
	for _, e := range d.Doc {
		switch {
		case !modelled[e.Key]:
			c.dropped = append(c.dropped, e.Key)
		case e.Key == "clientMeta":
			meta, ok := e.Value.(bson.D)
			if !ok {
				if e.Value == nil {
					continue // DecodeCreate names the missing fields
				}
				return refuse("clientMeta", "clientMeta must be a document")
			}
			out := map[string]any{}
			for _, m := range meta {
				if !isMetaField(m.Key) {
					c.dropped = append(c.dropped, "clientMeta."+m.Key)
					continue
				}
				v, ok := text(m.Value)
				if !ok {
					return refuse("clientMeta."+m.Key, "clientMeta."+m.Key+" must be a string")
				}
				out[m.Key] = v
			}
			body["clientMeta"] = out
		case e.Key == "clientId", e.Key == "calId", e.Key == "status", e.Key == "agentId", e.Key == "twilioPhoneNumber":
			v, ok := text(e.Value)
			if !ok {
				return refuse(e.Key, e.Key+" must be a string")
			}
			body[e.Key] = v
		case e.Key == "clientSecret":
			v, ok := text(e.Value)
			if !ok {
				return refuse("clientSecret", "clientSecret must be a string")
			}
			if s, _ := v.(string); s != "" {
				c.secret = s
			}
		}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return refuse("", "cannot encode the document: "+err.Error())
	}
	cr, err := rules.DecodeCreate(raw)
	if err != nil {
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
	created, updated, r := times(d)
	if r != nil {
		return refuse(r.Field, r.Reason)
	}
	c.client = cr.Client(created, Actor)
	c.client.UpdatedAt = updated
	return c, nil
}

func isMetaField(name string) bool {
	for _, f := range metaFields {
		if f == name {
			return true
		}
	}
	return false
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

func date(d bson.D, key string) (time.Time, bool, error) {
	v, ok := lookup(d, key)
	if !ok || v == nil {
		return time.Time{}, false, nil
	}
	switch t := v.(type) {
	case bson.DateTime:
		return t.Time(), true, nil
	case time.Time:
		return t, true, nil
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%s is not a date", key)
		}
		return parsed, true, nil
	}
	return time.Time{}, false, fmt.Errorf("%s is not a date", key)
}

// same reports whether stored holds what c would write, field by field
// (the secret aside: the original changes updatedAt when it changes one).
func same(stored, c client.Client) bool {
	return stored.ClientID == c.ClientID && stored.Status == c.Status && stored.AgentID == c.AgentID &&
		stored.TwilioPhoneNumber == c.TwilioPhoneNumber && stored.CalID == c.CalID && stored.Meta == c.Meta &&
		stored.CreatedAt.Equal(c.CreatedAt) && stored.UpdatedAt.Equal(c.UpdatedAt)
}
