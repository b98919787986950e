package client

import (
	"errors"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"
)

// Rules checks the values of creates and updates against each field's
// rule (its rule tag in the table). Build it once per process with
// NewRules: the validator caches parsed tags and the patterns are
// compiled. Turning request bodies into Updates is the edge's job
// (pkg/api); the migration builds them from its documents.
type Rules struct {
	v *validator.Validate
}

// patterns are the rules that are regular expressions, by tag: E.164 is
// "+", then 2 to 15 digits, the first not 0; agent (and calendar) ids are
// 1-128 letters, digits, '_' or '-'. The documents (openapi.yaml, the
// console) state them as these patterns; the checks are the byte loops
// isE164 and isAgentID, which TestRulePatternsAreTheLoops and FuzzRulePatterns
// hold to them. A loop because compiling `{1,128}` unrolls it into 128
// copies: compiling these two was 1.1 million of the 10.6 million
// instructions of a function's cold start (callgrind).
var patterns = map[string]string{
	"e164":    `^\+[1-9][0-9]{1,14}$`,
	"agentid": `^[A-Za-z0-9_-]{1,128}$`,
}

// RulePattern is the regular expression a rule tag ("e164", "agentid")
// stands for, so that documents describing the rule (openapi.yaml, the
// console) can be held to it.
func RulePattern(tag string) (string, bool) {
	p, ok := patterns[tag]
	return p, ok
}

// NewRules compiles the validation rules.
func NewRules() *Rules {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Registering under an existing tag name replaces the library's own
	// e164, whose length bounds differ from the contract's.
	must(v.RegisterValidation("e164", func(fl validator.FieldLevel) bool { return isE164(fl.Field().String()) }))
	// Agent and calendar ids share the alphabet and length.
	must(v.RegisterValidation("agentid", func(fl validator.FieldLevel) bool { return isAgentID(fl.Field().String()) }))
	// The library's email is RFC 5322 syntax: it accepts quoted local parts
	// and invisible characters that spell a taken address anew. Ours is
	// the rule the lock key is built on (email.go).
	must(v.RegisterValidation("email", func(fl validator.FieldLevel) bool { _, err := EmailKey(fl.Field().String()); return err == nil }))
	// Free text is shown to people (the console, exports): a bidi override
	// or a zero-width character would let a name disguise itself, as the
	// email rule already refuses for addresses.
	must(v.RegisterValidation("text", func(fl validator.FieldLevel) bool { return PlainText(fl.Field().String()) }))
	return &Rules{v: v}
}

// isE164 reports whether s is an E.164 number as patterns["e164"] says:
// "+", a digit 1-9, then 1 to 14 digits.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAgentID reports whether s is an agent (or calendar) id as
// patterns["agentid"] says: 1 to 128 of A-Z, a-z, 0-9, '_' and '-'.
func isAgentID(s string) bool {
	if len(s) < 1 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// PlainText reports whether s holds no format character (Unicode category
// Cf: zero-width space and joiners, bidi embeddings, overrides and isolates,
// the BOM, the soft hyphen) and no control character other than tab, line
// feed and carriage return, which notes may hold.
func PlainText(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		switch r {
		case '\t', '\n', '\r':
			return false
		}
		return unicode.Is(unicode.Cf, r) || unicode.IsControl(r)
	})
}

func must(err error) {
	if err != nil {
		panic(err) // programming error in a tag registration, found by any test
	}
}

// CheckUpdate checks an admin's update: it must change something, and
// every value it writes must pass its field's rule.
func (r *Rules) CheckUpdate(u Update) error {
	if u.IsEmpty() {
		return invalid("", "No updatable fields provided")
	}
	return r.validate(u)
}

// CheckOwnUpdate is CheckUpdate for a client changing its own profile: a
// field only an admin changes is refused, naming it.
func (r *Rules) CheckOwnUpdate(u Update) error {
	for _, c := range u.changes {
		if err := c.Field.ClientRefusal(); err != nil {
			return err
		}
	}
	return r.CheckUpdate(u)
}

// CheckCreate checks a new client: its id and secret when given, the
// required fields (a *MissingError naming all that are absent or empty),
// then the same rules as CheckUpdate. The removals a create may name (a
// null optional field) are dropped from c.Fields: on a new client such a
// field is simply absent.
func (r *Rules) CheckCreate(c *Create) error {
	if c.ClientID != "" {
		if err := CheckID(c.ClientID); err != nil {
			return err
		}
	}
	if c.Secret != "" {
		if err := CheckSecret(c.Secret); err != nil {
			return err
		}
	}
	// clientMeta's fields are listed before the top-level ones, in the
	// order the original API listed them.
	var missing []string
	for _, meta := range []bool{true, false} {
		for _, f := range fields {
			if v, _ := c.Fields.Value(f); f.Required && f.Meta == meta && v == "" {
				missing = append(missing, f.Path)
			}
		}
	}
	if len(missing) > 0 {
		return &MissingError{Fields: missing}
	}
	c.Fields = c.Fields.withoutRemovals()
	return r.validate(c.Fields)
}

// CheckID refuses a client id that ValidID refuses, naming clientId.
func CheckID(id string) error {
	if !ValidID(id) {
		return invalid("clientId", "clientId must be 3-64 characters of letters, digits, '_' or '-'")
	}
	return nil
}

// CheckSecret refuses a chosen client secret outside the length bounds.
func CheckSecret(s string) error {
	if n := len([]rune(s)); n < MinSecretLen || n > MaxSecretLen {
		return invalid("clientSecret", "clientSecret must be 32 to 256 characters")
	}
	return nil
}

// validate runs each written value's rule, in table order, and turns the
// first failure into a message that names the field. A removal writes
// nothing and has nothing to check.
func (r *Rules) validate(u Update) error {
	for _, c := range u.changes {
		if c.Removes() {
			continue
		}
		err := r.v.Var(c.Value, c.Field.Rule)
		if err == nil {
			continue
		}
		var fes validator.ValidationErrors
		if !errors.As(err, &fes) || len(fes) == 0 {
			return err
		}
		return invalid(c.Field.Path, message(c.Field.Path, fes[0].Tag(), fes[0].Param()))
	}
	return nil
}

func message(path, tag, param string) string {
	switch tag {
	case "oneof":
		return path + " must be one of " + strings.Join(strings.Fields(param), ", ")
	case "agentid":
		return path + " must be 1-128 characters of letters, digits, '_' or '-'"
	case "e164":
		return path + " must be an E.164 phone number such as +12125551234"
	case "email":
		return "Email format is invalid"
	case "min":
		return path + " must not be empty"
	case "max":
		return path + " must be at most " + param + " characters"
	case "text":
		return path + " must not contain control, zero-width or bidirectional formatting characters"
	default:
		return path + " is invalid"
	}
}
