package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Request-body decoding: JSON in, the domain's values out. Which members a
// body may hold, which may be null and who may name them come from the
// domain's field table (client.Fields); whether the values are right is
// the domain's to say (client.Rules), after decoding.

// invalid is a 400 about the field at path ("" for the body itself).
func invalid(path, message string) error {
	return &client.ValidationError{Field: path, Message: message}
}

// decodeUpdate reads a PUT body into an Update. byClient decodes a
// client's change to its own profile: naming a field only an admin
// changes is refused before anything else about the body.
func decodeUpdate(body []byte, byClient bool) (client.Update, error) {
	top, err := decodeObject(body, "")
	if err != nil {
		return client.Update{}, err
	}
	if _, ok := top["clientSecret"]; ok {
		return client.Update{}, invalid("clientSecret", "clientSecret cannot be changed here; use POST /admin/clients/{clientId}/reset-secret")
	}
	delete(top, "clientId") // immutable; the contract says it is ignored
	if byClient {
		if err := refusedForClient(top); err != nil {
			return client.Update{}, err
		}
	}
	return decodeFields(top)
}

// decodeCreate reads a POST /admin/clients body into a Create: structure,
// types and the id's and secret's own rules; the rest is
// client.Rules.CheckCreate's.
func decodeCreate(body []byte) (client.Create, error) {
	var c client.Create
	top, err := decodeObject(body, "")
	if err != nil {
		return c, err
	}
	if raw, ok := top["clientId"]; ok {
		id, null, err := decodeString(raw, "clientId")
		if err != nil {
			return c, err
		}
		if !null {
			if err := client.CheckID(id); err != nil {
				return c, err
			}
		}
		c.ClientID = id
	}
	if raw, ok := top["clientSecret"]; ok && !isNull(raw) {
		// Not trimmed: every character of a secret counts.
		if err := json.Unmarshal(raw, &c.Secret); err != nil {
			return c, invalid("clientSecret", "clientSecret must be a string")
		}
		if err := client.CheckSecret(c.Secret); err != nil {
			return c, err
		}
	}
	delete(top, "clientId")
	delete(top, "clientSecret")
	c.Fields, err = decodeFields(top)
	return c, err
}

// refusedForClient names the first field of top (clientMeta's by their
// path, in sorted order) that only an admin changes. Unknown members are
// left for decodeFields to report.
func refusedForClient(top map[string]json.RawMessage) error {
	var refused []*client.Field
	var meta map[string]json.RawMessage
	if raw, ok := top[client.MetaKey]; ok && json.Unmarshal(raw, &meta) != nil {
		meta = nil // not an object: decodeFields says so
	}
	for _, f := range client.Fields() {
		in := top
		if f.Meta {
			in = meta
		}
		if _, named := in[f.Name]; named && !f.ByClient {
			refused = append(refused, f)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	// The same body always names the same field.
	f := slices.MinFunc(refused, func(a, b *client.Field) int { return strings.Compare(a.Path, b.Path) })
	return f.ClientRefusal()
}

// decodeFields reads the client fields that create and update share,
// refusing unknown members, wrong types and nulls where null removes
// nothing.
func decodeFields(top map[string]json.RawMessage) (client.Update, error) {
	var u client.Update
	known := map[string]bool{client.MetaKey: true}
	metaKnown := map[string]bool{}
	for _, f := range client.Fields() {
		if f.Meta {
			metaKnown[f.Name] = true
		} else {
			known[f.Name] = true
		}
	}
	if err := unknownMember(top, known, ""); err != nil {
		return u, err
	}
	rawMeta, hasMeta := top[client.MetaKey]
	var meta map[string]json.RawMessage
	for _, f := range client.Fields() {
		in := top
		if f.Meta {
			if !hasMeta {
				continue
			}
			if meta == nil {
				if isNull(rawMeta) {
					return u, invalid(client.MetaKey, client.MetaKey+" cannot be null")
				}
				obj, err := decodeObject(rawMeta, client.MetaKey)
				if err != nil {
					return u, err
				}
				if err := unknownMember(obj, metaKnown, client.MetaKey+"."); err != nil {
					return u, err
				}
				meta = obj
			}
			in = meta
		}
		raw, ok := in[f.Name]
		if !ok {
			continue
		}
		s, null, err := decodeString(raw, f.Path)
		if err != nil {
			return u, err
		}
		if null {
			if err := f.NullError(); err != nil {
				return u, err
			}
		}
		u.Set(f, s) // null or "" removes a removable field
	}
	return u, nil
}

// decodeObject parses a JSON object into its raw members. where names the
// object in messages ("" for the body itself).
func decodeObject(data []byte, where string) (map[string]json.RawMessage, error) {
	name := where
	if name == "" {
		name = "Request body"
	}
	trimmed := bytes.TrimSpace(data)
	if !json.Valid(trimmed) {
		return nil, invalid(where, name+" must be valid JSON")
	}
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, invalid(where, name+" must be a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return nil, invalid(where, name+" must be a JSON object")
	}
	return obj, nil
}

// unknownMember refuses the first member of obj (in sorted order, so that
// the same body names the same member) that known does not list.
func unknownMember(obj map[string]json.RawMessage, known map[string]bool, prefix string) error {
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	k := slices.Min(unknown)
	return invalid(prefix+k, fmt.Sprintf("Unknown field: %s%s", prefix, k))
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// decodeString reads a JSON string (trimmed) or null; anything else is a
// type error naming the field.
func decodeString(raw json.RawMessage, path string) (s string, null bool, err error) {
	if isNull(raw) {
		return "", true, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, invalid(path, path+" must be a string")
	}
	return strings.TrimSpace(s), false, nil
}
