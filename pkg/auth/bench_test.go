package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

const benchSecret = "bench-secret-0123456789abcdef0123456789abcdef"

func BenchmarkVerifyHS256(b *testing.B) {
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(benchSecret), Skew: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	k := authorizer(v)
	tok, err := auth.Issuer{Secret: []byte(benchSecret)}.Sign("bench-admin", auth.RoleAdmin, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	header := "Bearer " + tok
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Authorize(header, auth.RoleAdmin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyHS256FirstSight cycles through more distinct tokens than
// the verifier remembers, so every verification parses and checks the
// signature: the cost of an admin token's first request on a warm function.
func BenchmarkVerifyHS256FirstSight(b *testing.B) {
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(benchSecret), Skew: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	k := authorizer(v)
	headers := make([]string, 512)
	for i := range headers {
		tok, err := auth.Issuer{Secret: []byte(benchSecret)}.Sign(fmt.Sprintf("bench-admin-%d", i), auth.RoleAdmin, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		headers[i] = "Bearer " + tok
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := k.Authorize(headers[i%len(headers)], auth.RoleAdmin); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerifyRS256 verifies against a JWKS served over HTTP and fails
// if any request reaches the JWKS server once the verifier is built: the
// key set is fetched at cold start and cached.
func BenchmarkVerifyRS256(b *testing.B) {
	idp := testkit.NewJWKS(b)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	v, err := auth.NewVerifier(ctx, auth.Config{JWKSURL: idp.URL, Skew: 30 * time.Second, HTTPClient: idp.Client()})
	if err != nil {
		b.Fatal(err)
	}
	k := authorizer(v)
	header := "Bearer " + testkit.Token(b, jwa.RS256, idp.PrivateJWK(b, testkit.KidRSA), func(tb *jwt.Builder) *jwt.Builder {
		return tb.Subject("bench-admin")
	})
	if _, err := k.Authorize(header, auth.RoleAdmin); err != nil { // warm-up
		b.Fatal(err)
	}
	warm := idp.Requests()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Authorize(header, auth.RoleAdmin); err != nil {
			b.Fatal(err)
		}
	}
	if n := idp.Requests() - warm; n != 0 {
		b.Fatalf("%d JWKS requests after warm-up, want 0", n)
	}
}
