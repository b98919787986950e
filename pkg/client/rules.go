package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Update is a partial change to a client. A nil field is left as it is.
type Update struct {
	Status            *Status    `json:"status,omitempty" validate:"omitnil,oneof=Active Inactive Suspended"`
	AgentID           *string    `json:"agentId,omitempty" validate:"omitnil,agentid"`
	TwilioPhoneNumber *string    `json:"twilioPhoneNumber,omitempty" validate:"omitnil,e164"`
	CalID             *string    `json:"calId,omitempty" validate:"omitnil,calid"` // "": remove it (null or "" sent)
	Meta              MetaUpdate `json:"clientMeta,omitzero"`
}

// MetaUpdate is the clientMeta part of an Update. Remove lists the optional
// fields the caller set to null (or to an empty string): they are deleted.
type MetaUpdate struct {
	FullName     *string  `json:"fullName,omitempty" validate:"omitnil,min=1,max=200"`
	Email        *string  `json:"email,omitempty" validate:"omitnil,max=254,email"`
	Phone        *string  `json:"phone,omitempty" validate:"omitnil,e164"`
	BusinessName *string  `json:"businessName,omitempty" validate:"omitnil,max=200"`
	City         *string  `json:"city,omitempty" validate:"omitnil,max=100"`
	JobTitle     *string  `json:"jobTitle,omitempty" validate:"omitnil,max=100"`
	Notes        *string  `json:"notes,omitempty" validate:"omitnil,max=2000"`
	Remove       []string `json:"-"`
}

// IsEmpty reports whether the update changes nothing.
func (u *Update) IsEmpty() bool {
	return u.Status == nil && u.AgentID == nil && u.TwilioPhoneNumber == nil && u.CalID == nil && u.Meta.isEmpty()
}

func (m *MetaUpdate) isEmpty() bool {
	return len(m.Remove) == 0 && len(m.Values()) == 0
}

// Values returns the clientMeta fields the update sets, by JSON name, in a
// fixed order (so that expressions built from it are deterministic).
func (m *MetaUpdate) Values() []Field {
	var out []Field
	for _, f := range m.fields() {
		if *f.ptr != nil {
			out = append(out, Field{Name: f.name, Value: **f.ptr})
		}
	}
	return out
}

// Field is a named string value.
type Field struct {
	Name  string
	Value string
}

type metaField struct {
	name      string
	ptr       **string
	removable bool // optional fields may be set to null to delete them
}

func (m *MetaUpdate) fields() [7]metaField {
	return [7]metaField{
		{"fullName", &m.FullName, false},
		{"email", &m.Email, false},
		{"phone", &m.Phone, true},
		{"businessName", &m.BusinessName, true},
		{"city", &m.City, true},
		{"jobTitle", &m.JobTitle, true},
		{"notes", &m.Notes, true},
	}
}

// Rules decodes and validates request bodies. Build it once per process with
// NewRules: the validator caches struct metadata and the patterns are compiled.
type Rules struct {
	v *validator.Validate
}

// E.164: "+", then 2 to 15 digits, the first not 0.
var e164Pattern = `^\+[1-9][0-9]{1,14}$`

// NewRules compiles the validation rules.
func NewRules() *Rules {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	e164 := regexp.MustCompile(e164Pattern)
	agentID := regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// Registering under an existing tag name replaces the library's own
	// e164, whose length bounds differ from the contract's.
	must(v.RegisterValidation("e164", func(fl validator.FieldLevel) bool { return e164.MatchString(fl.Field().String()) }))
	must(v.RegisterValidation("agentid", func(fl validator.FieldLevel) bool { return agentID.MatchString(fl.Field().String()) }))
	// A calendar id has the agent id's alphabet and length; "" is its removal.
	must(v.RegisterValidation("calid", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || agentID.MatchString(s)
	}))
	// The library's email is RFC 5322 syntax: it accepts quoted local parts
	// and invisible characters that spell a taken address anew. Ours is
	// the rule the lock key is built on (email.go).
	must(v.RegisterValidation("email", func(fl validator.FieldLevel) bool { _, err := EmailKey(fl.Field().String()); return err == nil }))
	return &Rules{v: v}
}

func must(err error) {
	if err != nil {
		panic(err) // programming error in a tag registration, found by any test
	}
}

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 64 << 10

var updatable = map[string]bool{"status": true, "agentId": true, "twilioPhoneNumber": true, "calId": true, "clientMeta": true}

// DecodeUpdate parses a PUT body into an Update and checks every rule. It
// returns a *ValidationError for anything the caller got wrong.
func (r *Rules) DecodeUpdate(body []byte) (Update, error) {
	return r.decodeUpdate(body, nil)
}

// ownFields are the fields a client may change on its own profile; the rest
// (email, status, agent, Twilio number) only an admin changes.
var ownFields = map[string]bool{
	"clientMeta.fullName": true, "clientMeta.phone": true, "clientMeta.businessName": true,
	"clientMeta.city": true, "clientMeta.jobTitle": true, "clientMeta.notes": true,
}

// DecodeOwnUpdate is DecodeUpdate for a client changing its own profile: a
// field outside ownFields is a *ValidationError naming it.
func (r *Rules) DecodeOwnUpdate(body []byte) (Update, error) {
	return r.decodeUpdate(body, ownFields)
}

// notAllowed names the first updatable field of top (clientMeta fields by
// their path) that allowed does not list; a nil allowed allows everything.
// Unknown fields are left for decodeFields to report as unknown.
func notAllowed(top map[string]json.RawMessage, allowed map[string]bool) error {
	if allowed == nil {
		return nil
	}
	var refused []string
	for k, raw := range top {
		if k != "clientMeta" {
			if updatable[k] && !allowed[k] {
				refused = append(refused, k)
			}
			continue
		}
		var meta map[string]json.RawMessage
		if json.Unmarshal(raw, &meta) != nil {
			continue // not an object: decodeFields says so
		}
		var m MetaUpdate
		for _, f := range m.fields() {
			if _, ok := meta[f.name]; ok && !allowed["clientMeta."+f.name] {
				refused = append(refused, "clientMeta."+f.name)
			}
		}
	}
	if len(refused) == 0 {
		return nil
	}
	slices.Sort(refused) // report the same field for the same body
	return invalid(refused[0], refused[0]+" cannot be changed by the client; an admin changes it")
}

func (r *Rules) decodeUpdate(body []byte, allowed map[string]bool) (Update, error) {
	top, err := decodeObject(body, "")
	if err != nil {
		return Update{}, err
	}
	if _, ok := top["clientSecret"]; ok {
		return Update{}, invalid("clientSecret", "clientSecret cannot be changed here; use POST /admin/clients/{clientId}/reset-secret")
	}
	delete(top, "clientId") // immutable; the contract says it is ignored
	if err := notAllowed(top, allowed); err != nil {
		return Update{}, err
	}
	u, err := decodeFields(top)
	if err != nil {
		return u, err
	}
	if u.IsEmpty() {
		return u, invalid("", "No updatable fields provided")
	}
	return u, r.validate(&u)
}

// decodeFields reads the client fields that create and update share into
// an Update, refusing unknown fields, wrong types and misplaced nulls.
func decodeFields(top map[string]json.RawMessage) (Update, error) {
	var u Update
	if err := unknownField(top, updatable, ""); err != nil {
		return u, err
	}
	var status *string
	for _, f := range []struct {
		name string
		dst  **string
	}{{"status", &status}, {"agentId", &u.AgentID}, {"twilioPhoneNumber", &u.TwilioPhoneNumber}} {
		raw, ok := top[f.name]
		if !ok {
			continue
		}
		s, isNull, err := decodeString(raw, f.name)
		if err != nil {
			return u, err
		}
		if isNull {
			return u, invalid(f.name, f.name+" cannot be null")
		}
		*f.dst = &s
	}
	if status != nil {
		st := Status(*status)
		u.Status = &st
	}
	if raw, ok := top["calId"]; ok {
		s, _, err := decodeString(raw, "calId")
		if err != nil {
			return u, err
		}
		u.CalID = &s // null and "" both remove it
	}
	if raw, ok := top["clientMeta"]; ok {
		if err := decodeMeta(raw, &u.Meta); err != nil {
			return u, err
		}
	}
	return u, nil
}

func decodeMeta(raw json.RawMessage, m *MetaUpdate) error {
	if isNull(raw) {
		return invalid("clientMeta", "clientMeta cannot be null")
	}
	obj, err := decodeObject(raw, "clientMeta")
	if err != nil {
		return err
	}
	fields := m.fields()
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.name] = true
	}
	if err := unknownField(obj, known, "clientMeta."); err != nil {
		return err
	}
	for _, f := range fields {
		raw, ok := obj[f.name]
		if !ok {
			continue
		}
		path := "clientMeta." + f.name
		s, null, err := decodeString(raw, path)
		if err != nil {
			return err
		}
		switch {
		case (null || s == "") && f.removable:
			m.Remove = append(m.Remove, f.name)
		case null:
			return invalid(path, path+" cannot be null")
		default:
			*f.ptr = &s
		}
	}
	return nil
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

func unknownField(obj map[string]json.RawMessage, known map[string]bool, prefix string) error {
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown) // report the same field for the same body
	return invalid(prefix+unknown[0], fmt.Sprintf("Unknown field: %s%s", prefix, unknown[0]))
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

// validate runs the tag rules and turns the first failure into a message
// that names the field.
func (r *Rules) validate(u *Update) error {
	err := r.v.Struct(u)
	if err == nil {
		return nil
	}
	var fes validator.ValidationErrors
	if !errors.As(err, &fes) || len(fes) == 0 {
		return err
	}
	fe := fes[0]
	_, path, _ := strings.Cut(fe.Namespace(), ".") // drop the struct name
	return invalid(path, message(path, fe.Tag(), fe.Param()))
}

func message(path, tag, param string) string {
	switch tag {
	case "oneof":
		return path + " must be one of " + strings.Join(strings.Fields(param), ", ")
	case "agentid", "calid":
		return path + " must be 1-128 characters of letters, digits, '_' or '-'"
	case "e164":
		return path + " must be an E.164 phone number such as +12125551234"
	case "email":
		return "Email format is invalid"
	case "min":
		return path + " must not be empty"
	case "max":
		return path + " must be at most " + param + " characters"
	default:
		return path + " is invalid"
	}
}
