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
	if err := unknownMember(top, false, ""); err != nil {
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
				if err := unknownMember(obj, true, client.MetaKey+"."); err != nil {
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
	// Valid JSON that is not an object is told apart from invalid JSON.
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return nil, invalid(where, name+" must be valid JSON")
		}
		return nil, invalid(where, name+" must be a JSON object")
	}
	if !json.Valid(trimmed) {
		return nil, invalid(where, name+" must be valid JSON")
	}
	return objectMembers(trimmed), nil
}

// objectMembers splits a valid JSON object into its members, as
// json.Unmarshal into a map[string]json.RawMessage does (keys unescaped,
// the last of a repeated key kept, each value's text without the space
// around it), but without its second scan of the text and its reflection:
// the body's members are read on every write (TestObjectMembersIsUnmarshal
// and FuzzObjectMembers hold it to json.Unmarshal). Valid JSON is
// assumed: json.Valid has scanned it.
func objectMembers(data []byte) map[string]json.RawMessage {
	obj := make(map[string]json.RawMessage, 8)
	i := skipSpace(data, 1)
	if data[i] == '}' {
		return obj
	}
	for {
		end := skipValue(data, i) // the key, a string
		key, ok := plainString(data[i:end])
		if !ok {
			_ = json.Unmarshal(data[i:end], &key) // valid: cannot fail
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past ':'
		end = skipValue(data, i)
		obj[key] = json.RawMessage(data[i:end:end])
		i = skipSpace(data, end)
		if data[i] == '}' {
			return obj
		}
		i = skipSpace(data, i+1) // past ','
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue is the end of the valid JSON value starting at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch data[i] {
			case '"':
				i = skipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	default: // a number, true, false or null
		for i < len(data) && !strings.ContainsRune(",}] \t\n\r", rune(data[i])) {
			i++
		}
		return i
	}
}

// skipString is the end of the string starting at i (its opening quote).
func skipString(data []byte, i int) int {
	for i++; data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// unknownMember refuses the first member of obj (in sorted order, so that
// the same body names the same member) that is not a field of the table:
// a top-level field or clientMeta itself, or with meta, a clientMeta field.
func unknownMember(obj map[string]json.RawMessage, meta bool, prefix string) error {
	var unknown []string
	for k := range obj {
		if !knownMember(k, meta) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	k := slices.Min(unknown)
	return invalid(prefix+k, fmt.Sprintf("Unknown field: %s%s", prefix, k))
}

func knownMember(name string, meta bool) bool {
	if !meta && name == client.MetaKey {
		return true
	}
	for _, f := range client.Fields() {
		if f.Meta == meta && f.Name == name {
			return true
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// decodeString reads a JSON string (trimmed) or null; anything else is a
// type error naming the field.
func decodeString(raw json.RawMessage, path string) (s string, null bool, err error) {
	if isNull(raw) {
		return "", true, nil
	}
	if plain, ok := plainString(raw); ok {
		return strings.TrimSpace(plain), false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, invalid(path, path+" must be a string")
	}
	return strings.TrimSpace(s), false, nil
}

// plainString is the value of a JSON string of printable ASCII with no
// escape, the common case, read without json.Unmarshal's second scan and
// reflection; json.Unmarshal gives the same string for it
// (TestPlainStringIsUnmarshal). Anything else is not ok and left to
// json.Unmarshal.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(body), true
}
