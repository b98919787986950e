package auth_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

const fuzzSecret = "fuzz-secret-0123456789abcdef0123456789abcdef"

// fuzzClock is fixed so that the seed tokens stay valid forever.
var fuzzClock = time.Date(2025, 3, 20, 14, 30, 0, 0, time.UTC)

func fuzzSeeds(f *testing.F) {
	f.Helper()
	iss := auth.Issuer{Secret: []byte(fuzzSecret), Now: func() time.Time { return fuzzClock }}
	admin, err := iss.Sign("a", auth.RoleAdmin, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	cl, _ := iss.SignClient(testkit.JohnID, "2026-01-01T00:00:00.000Z", time.Hour)
	parts := strings.Split(admin, ".")
	for _, p := range []string{
		`{"sub":"a","role":"admin","exp":0}`,
		`{"sub":"a","role":"admin","exp":0.5}`,
		`{"sub":"a","role":"admin","exp":"9999999999"} junk`,
		`{"sub":"a","role":"admin","exp":1742484600,"exp":0}`,
	} {
		f.Add("Bearer " + testkit.SignPayload(f, jwa.HS256, []byte(fuzzSecret), []byte(p), nil))
	}
	for _, h := range []string{
		"Bearer " + admin,
		"Bearer " + cl,
		"bearer " + admin,
		"Bearer " + admin + "," + "Bearer " + admin,
		"Bearer eyJhbGciOiJub25lIn0." + parts[1] + ".",
		"Bearer " + parts[0] + "." + parts[1],
		"Basic YWRtaW46YWRtaW4=",
		"Bearer  " + admin,
		"",
		"Bearer a.b.c",
	} {
		f.Add(h)
	}
}

// FuzzAuthorize: no header makes Authorize panic, and whatever it accepts
// is "Bearer " followed by a compact JWS whose HS256 signature verifies
// under the secret, checked independently of the verifier, over claims that
// are one JSON object with a positive numeric exp.
func FuzzAuthorize(f *testing.F) {
	fuzzSeeds(f)
	v, err := auth.NewVerifier(f.Context(), auth.Config{Secret: []byte(fuzzSecret), Now: func() time.Time { return fuzzClock }})
	if err != nil {
		f.Fatal(err)
	}
	k := authorizer(v)
	f.Fuzz(func(t *testing.T, header string) {
		for _, role := range []string{auth.RoleAdmin, auth.RoleClient} {
			c, err := k.Authorize(header, role)
			switch {
			case err == nil:
				tok, ok := strings.CutPrefix(header, "Bearer ")
				if !ok {
					t.Fatalf("accepted %q without the Bearer scheme", header)
				}
				msg, verr := jws.Verify([]byte(tok), jws.WithKey(jwa.HS256, []byte(fuzzSecret)))
				if verr != nil || len(msg) == 0 {
					t.Fatalf("accepted %q whose signature does not verify: %v", header, verr)
				}
				// The claims are one JSON object whose exp is a number of
				// at least one second: never a string, never Unix time 0.
				var cl struct {
					Exp json.RawMessage `json:"exp"`
				}
				if !json.Valid(msg) || json.Unmarshal(msg, &cl) != nil || len(cl.Exp) == 0 || cl.Exp[0] < '1' || cl.Exp[0] > '9' {
					t.Fatalf("accepted %q with claims %s", header, msg)
				}
				if c.Role != role {
					t.Fatalf("accepted role %q for %q", c.Role, role)
				}
			case errors.Is(err, auth.ErrForbidden):
				if c.Role == role {
					t.Fatalf("refused matching role %q", role)
				}
			case errors.Is(err, auth.ErrMissingToken):
				if header != "" {
					t.Fatalf("missing-token error for %q", header)
				}
			case errors.Is(err, auth.ErrInvalidToken):
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}

// FuzzBearerToken: the parser never panics, and a token it returns is the
// header minus "Bearer ", bounded in size and made of three base64url
// segments. It accepts exactly what the regular expression it replaced
// (compactJWSPattern) accepted.
// compactJWSPattern is the regular expression BearerToken used before its
// byte loop: the reference the fuzz target holds it to.
var compactJWSPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

func FuzzBearerToken(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := auth.BearerToken(header)
		if rest, ok := strings.CutPrefix(header, "Bearer "); ok && len(rest) <= 8<<10 {
			if want := compactJWSPattern.MatchString(rest); want != (err == nil) {
				t.Fatalf("header %q: BearerToken error %v, the pattern says match=%v", header, err, want)
			}
		}
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidToken) && !errors.Is(err, auth.ErrMissingToken) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if header != "Bearer "+tok || len(tok) > 8<<10 || strings.Count(tok, ".") != 2 {
			t.Fatalf("header %q gave token %q", header, tok)
		}
		for _, r := range tok {
			if !(r == '.' || r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				t.Fatalf("token %q has %q", tok, r)
			}
		}
		for _, seg := range strings.Split(tok, ".") {
			if seg == "" {
				t.Fatalf("token %q has an empty segment", tok)
			}
		}
	})
}
