package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// maxNumericDate is 9999-12-31T23:59:59Z: a later date is no date any
// issuer means, and refusing it keeps time.Unix away from overflow.
const maxNumericDate = 253402300799

// errClaims is the reason a claims segment is refused; Verify reports it
// as ErrInvalidToken.
var errClaims = errors.New("malformed claims")

// claimSet is the one parsed view of a token's payload. The verifier reads
// the payload exactly once, here, and both its own checks and jwx's
// validation (through token) use this view; no second parser can read the
// bytes differently.
type claimSet struct {
	exp, nbf, iat time.Time // zero when absent (exp is never absent)
	hasNbf        bool
	hasIat        bool
	iss, sub      string
	hasIss        bool
	aud           []string
	hasAud        bool
	role          string
	clientID      string
	session       string
	// scoped is true when the token carries a scope or permissions claim,
	// whatever its value; scopes is the union of the names they hold.
	scoped bool
	scopes []string
}

// payloadSegment returns the decoded middle segment of a compact JWS. The
// decoding is strict base64url without padding (RFC 7515 §2), so that the
// bytes parsed here are the only bytes a token can mean.
func payloadSegment(token string) ([]byte, error) {
	if strings.Count(token, ".") != 2 {
		return nil, errClaims
	}
	_, rest, _ := strings.Cut(token, ".")
	payload, _, _ := strings.Cut(rest, ".")
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil, errClaims
	}
	return raw, nil
}

// parseClaims reads a JWT claims set strictly:
//   - one JSON object and nothing after it but white space (a claims
//     segment with bytes after its closing brace is refused, rather than
//     handed to a streaming decoder that stops at the brace);
//   - no claim name twice (RFC 7519 §4 allows refusing duplicates; doing so
//     leaves no question of which one counts);
//   - exp present, a JSON number (RFC 7519 §2 NumericDate: never a
//     string), at least 1: Unix time 0, or anything truncating to it such
//     as 0.5, is what jwx treats as "unset" and would never expire;
//   - nbf and iat, when present, JSON numbers;
//   - iss and sub strings, aud a string or an array of strings.
//
// The private claims role, clientId and session are read when they are
// strings; any other type leaves them empty, which the router answers with
// 403 (role) or the session check with 401. The scope claim (a string of
// space-separated names, RFC 9068 §2.2.3) and the permissions claim (an
// array of strings, as Auth0 issues them) are read when present; either
// present with another type grants nothing, never everything.
func parseClaims(raw []byte) (claimSet, error) {
	var c claimSet
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return c, errClaims
	}
	seen := make(map[string]bool, 8)
	hasExp := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return c, errClaims
		}
		name, ok := tok.(string)
		if !ok || seen[name] {
			return c, errClaims
		}
		seen[name] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return c, errClaims
		}
		switch name {
		case jwt.ExpirationKey:
			c.exp, err = numericDate(val)
			hasExp = true
		case jwt.NotBeforeKey:
			c.nbf, err = numericDate(val)
			c.hasNbf = true
		case jwt.IssuedAtKey:
			c.iat, err = numericDate(val)
			c.hasIat = true
		case jwt.IssuerKey:
			err = json.Unmarshal(val, &c.iss)
			c.hasIss = true
		case jwt.SubjectKey:
			err = json.Unmarshal(val, &c.sub)
		case jwt.AudienceKey:
			c.aud, err = audience(val)
			c.hasAud = true
		case "role":
			c.role = stringOrEmpty(val)
		case "clientId":
			c.clientID = stringOrEmpty(val)
		case SessionClaim:
			c.session = stringOrEmpty(val)
		case ScopeClaim:
			c.scoped = true
			c.scopes = append(c.scopes, strings.Fields(stringOrEmpty(val))...)
		case PermissionsClaim:
			c.scoped = true
			var names []string
			if json.Unmarshal(val, &names) == nil {
				c.scopes = append(c.scopes, names...)
			}
		}
		if err != nil {
			return c, errClaims
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return c, errClaims
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, errClaims
	}
	if !hasExp || c.exp.Unix() < 1 {
		return c, errClaims
	}
	return c, nil
}

// numericDate parses a JSON number of seconds since the epoch. A string,
// even a numeric one, is refused; fractions are kept to the nanosecond.
func numericDate(val json.RawMessage) (time.Time, error) {
	if len(val) == 0 || (val[0] != '-' && (val[0] < '0' || val[0] > '9')) {
		return time.Time{}, errClaims
	}
	s := string(val)
	if !strings.ContainsAny(s, ".eE") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxNumericDate || n < -maxNumericDate {
			return time.Time{}, errClaims
		}
		return time.Unix(n, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > maxNumericDate || f < -maxNumericDate {
		return time.Time{}, errClaims
	}
	sec := int64(f) // truncates toward zero, as jwx does
	nsec := int64((f - float64(sec)) * 1e9)
	return time.Unix(sec, nsec).UTC(), nil
}

// audience reads "aud": one string or an array of strings (RFC 7519 §4.1.3).
func audience(val json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(val, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(val, &many); err != nil || many == nil {
		return nil, errClaims
	}
	return many, nil
}

func stringOrEmpty(val json.RawMessage) string {
	var s string
	if json.Unmarshal(val, &s) != nil {
		return ""
	}
	return s
}

// token is the claim set as a jwx token, so that jwx's validation (exp,
// nbf, iat with skew and clock, iss, aud) judges exactly this view.
func (c claimSet) token() (jwt.Token, error) {
	t := jwt.New()
	set := func(k string, v any) error { return t.Set(k, v) }
	if err := set(jwt.ExpirationKey, c.exp); err != nil {
		return nil, err
	}
	if c.hasNbf {
		if err := set(jwt.NotBeforeKey, c.nbf); err != nil {
			return nil, err
		}
	}
	if c.hasIat {
		if err := set(jwt.IssuedAtKey, c.iat); err != nil {
			return nil, err
		}
	}
	if c.hasIss {
		if err := set(jwt.IssuerKey, c.iss); err != nil {
			return nil, err
		}
	}
	if c.hasAud {
		if err := set(jwt.AudienceKey, c.aud); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// claims is what the API uses of the set.
func (c claimSet) claims() Claims {
	return Claims{Subject: c.sub, Role: c.role, ClientID: c.clientID, IssuedAt: c.iat, Session: c.session,
		Scopes: Scopes{listed: c.scoped, names: c.scopes}}
}

// expiresAfterEpoch is a validator kept beside jwx's own: jwx skips the
// exp check when exp is Unix time 0, so a token whose exp is 0 (or 0.5)
// would never expire. parseClaims already refuses it; this holds the line
// on the cached path and against a future change to the parser.
var expiresAfterEpoch = jwt.ValidatorFunc(func(_ context.Context, t jwt.Token) jwt.ValidationError {
	if t.Expiration().Unix() < 1 {
		return jwt.ErrTokenExpired()
	}
	return nil
})
