package testkit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/pkg/auth"
)

// Bearer is the Authorization header value that carries tok.
func Bearer(tok string) string { return "Bearer " + tok }

// AuthHeader is the Authorization header carrying tok, as the name and
// value pair that Env.Do takes.
func AuthHeader(tok string) []string { return []string{"Authorization", Bearer(tok)} }

// AdminToken is an admin token for subject signed by iss, valid for an hour.
func AdminToken(tb testing.TB, iss auth.Issuer, subject string) string {
	tb.Helper()
	tok, err := iss.Sign(subject, auth.RoleAdmin, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// ClientToken is a client token for clientID signed by iss under the
// session of a freshly seeded demo client, valid for an hour.
func ClientToken(tb testing.TB, iss auth.Issuer, clientID string) string {
	tb.Helper()
	tok, err := iss.SignClient(clientID, SeedSession(), time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// SignJWT is the one JWT builder of the test suites: it signs claims
// exactly as given (JSON-encoded, so a test can put any value, a claim of
// the wrong type or a missing exp, under a valid signature) with alg and
// key, as a compact JWS. The protected header says typ JWT, plus headers
// (which may override it).
func SignJWT(tb testing.TB, alg jwa.SignatureAlgorithm, key any, claims map[string]any, headers map[string]any) string {
	tb.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	return SignPayload(tb, alg, key, payload, headers)
}

// SignPayload is SignJWT for a payload given as bytes, signed exactly as
// given (no re-encoding): for payloads no JSON encoder writes, such as a
// claim twice or bytes after the closing brace.
func SignPayload(tb testing.TB, alg jwa.SignatureAlgorithm, key any, payload []byte, headers map[string]any) string {
	tb.Helper()
	h := jws.NewHeaders()
	if err := h.Set(jws.TypeKey, "JWT"); err != nil {
		tb.Fatal(err)
	}
	for k, v := range headers {
		if err := h.Set(k, v); err != nil {
			tb.Fatalf("header %s: %v", k, err)
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		tb.Fatalf("sign %s: %v", alg, err)
	}
	return string(out)
}

// Token signs, with alg and key, an admin token for "someone" valid for an
// hour, as build changes it (SignJWT of the built claims).
func Token(tb testing.TB, alg jwa.SignatureAlgorithm, key any, build func(*jwt.Builder) *jwt.Builder) string {
	tb.Helper()
	b := jwt.NewBuilder().Subject("someone").IssuedAt(time.Now()).Expiration(time.Now().Add(time.Hour)).Claim("role", "admin")
	tok, err := build(b).Build()
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := json.Marshal(tok)
	if err != nil {
		tb.Fatal(err)
	}
	return SignPayload(tb, alg, key, payload, nil)
}

// Signed is a token for subject with exactly claims (besides the issuer's
// iss, aud, iat and an hour's exp), signed by iss: for tokens the service
// never issues, such as a client token without a session.
func Signed(tb testing.TB, iss auth.Issuer, subject string, claims map[string]any) string {
	tb.Helper()
	now := time.Now()
	c := map[string]any{"sub": subject, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if iss.Issuer != "" {
		c["iss"] = iss.Issuer
	}
	if iss.Audience != "" {
		c["aud"] = []string{iss.Audience}
	}
	for k, v := range claims {
		c[k] = v
	}
	return SignJWT(tb, jwa.HS256, iss.Secret, c, nil)
}
