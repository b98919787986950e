package auth

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// FuzzParseClaims: the strict claims reader never panics, and whatever it
// accepts is one well-formed JSON object with a numeric exp of at least
// one second and no duplicated name, which jwx's own decoder reads the
// same way (exp, nbf, iat, iss, sub, aud): no payload means one thing to
// the reader and another to the library.
func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		`{"sub":"admin-1","role":"admin","exp":1736949600}`,
		`{"sub":"a","role":"client","clientId":"acme_1","session":"2026-01-01T00:00:00.000Z","exp":1736949600.25,"iat":1736946000,"nbf":1736946000,"iss":"https://i","aud":["x","y"]}`,
		`{"exp":0}`,
		`{"exp":0.5}`,
		`{"exp":"9999999999"} junk`,
		`{"exp":1736949600,"exp":0}`,
		`{"exp":1e300}`,
		`{"exp":1736949600,"aud":"x"} `,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := parseClaims(raw)
		if err != nil {
			return
		}
		if !json.Valid(raw) || bytes.TrimSpace(raw)[0] != '{' {
			t.Fatalf("accepted %q, which is not one JSON object", raw)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatalf("accepted %q: %v", raw, err)
		}
		exp, ok := fields["exp"]
		if !ok || exp[0] == '"' || c.exp.Unix() < 1 {
			t.Fatalf("accepted %q with exp %s (%v)", raw, exp, c.exp)
		}
		lib := jwt.New()
		if err := json.Unmarshal(raw, lib); err != nil {
			t.Fatalf("accepted %q, which jwx refuses: %v", raw, err)
		}
		if !lib.Expiration().Equal(c.exp.Truncate(1e9)) && lib.Expiration().Unix() != c.exp.Unix() {
			t.Fatalf("exp of %q: reader %v, jwx %v", raw, c.exp, lib.Expiration())
		}
		if c.hasNbf && lib.NotBefore().Unix() != c.nbf.Unix() || c.hasIat && lib.IssuedAt().Unix() != c.iat.Unix() {
			t.Fatalf("nbf/iat of %q: reader %v %v, jwx %v %v", raw, c.nbf, c.iat, lib.NotBefore(), lib.IssuedAt())
		}
		if lib.Issuer() != c.iss || lib.Subject() != c.sub || !slices.Equal(lib.Audience(), c.aud) && len(c.aud)+len(lib.Audience()) > 0 {
			t.Fatalf("iss/sub/aud of %q: reader %q %q %q, jwx %q %q %q", raw, c.iss, c.sub, c.aud, lib.Issuer(), lib.Subject(), lib.Audience())
		}
	})
}
