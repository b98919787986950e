package testkit

import (
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
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

// Token signs, with alg and key, an admin token for "someone" valid for an
// hour, as build changes it.
func Token(tb testing.TB, alg jwa.SignatureAlgorithm, key any, build func(*jwt.Builder) *jwt.Builder) string {
	tb.Helper()
	b := jwt.NewBuilder().Subject("someone").IssuedAt(time.Now()).Expiration(time.Now().Add(time.Hour)).Claim("role", "admin")
	tok, err := build(b).Build()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		tb.Fatal(err)
	}
	return string(s)
}

// Signed is a token for subject with exactly claims (besides the issuer's
// iss, aud, iat and an hour's exp), signed by iss: for tokens the service
// never issues, such as a client token without a session.
func Signed(tb testing.TB, iss auth.Issuer, subject string, claims map[string]any) string {
	tb.Helper()
	b := jwt.NewBuilder().Subject(subject).IssuedAt(time.Now()).Expiration(time.Now().Add(time.Hour))
	if iss.Issuer != "" {
		b = b.Issuer(iss.Issuer)
	}
	if iss.Audience != "" {
		b = b.Audience([]string{iss.Audience})
	}
	for k, v := range claims {
		b = b.Claim(k, v)
	}
	tok, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256, iss.Secret))
	if err != nil {
		tb.Fatal(err)
	}
	return string(s)
}
