package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// The key ids the JWKS fixture publishes.
const (
	// KidRSA is the RSA key, published for RS256 signatures ("alg" and
	// "use" set).
	KidRSA = "rsa1"
	// KidRSANoAlg is the same RSA key without "alg", as many providers
	// publish keys: only the verifier's own pinning stands between it and
	// other algorithms.
	KidRSANoAlg = "rsa-noalg"
	// KidRSA512 is the same RSA key published for RS512 only: an RS256
	// token naming it must be refused, as the key's own "alg" says.
	KidRSA512 = "rsa512"
	// KidEC is the EC (P-256) key, without "alg".
	KidEC = "ec1"
	// KidEnc is another RSA key, marked for encryption ("use":"enc").
	KidEnc = "enc1"
)

// JWKS is an identity provider: its private keys and a server that
// publishes the public ones (see the Kid constants) and counts requests.
type JWKS struct {
	RSA, EncRSA *rsa.PrivateKey
	EC          *ecdsa.PrivateKey
	*KeyServer
}

// NewJWKS generates the keys and starts the server; it stops when tb ends.
func NewJWKS(tb testing.TB) *JWKS {
	tb.Helper()
	j := &JWKS{RSA: RSAKey(tb), EncRSA: RSAKey(tb), EC: ECKey(tb)}
	set := jwk.NewSet()
	add := func(raw any, fields map[string]any) {
		k, err := jwk.FromRaw(raw)
		if err != nil {
			tb.Fatal(err)
		}
		for name, v := range fields {
			if err := k.Set(name, v); err != nil {
				tb.Fatal(err)
			}
		}
		if err := set.AddKey(k); err != nil {
			tb.Fatal(err)
		}
	}
	add(&j.RSA.PublicKey, map[string]any{jwk.KeyIDKey: KidRSA, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: "sig"})
	add(&j.EC.PublicKey, map[string]any{jwk.KeyIDKey: KidEC})
	add(&j.EncRSA.PublicKey, map[string]any{jwk.KeyIDKey: KidEnc, jwk.KeyUsageKey: "enc"})
	add(&j.RSA.PublicKey, map[string]any{jwk.KeyIDKey: KidRSA512, jwk.AlgorithmKey: jwa.RS512})
	add(&j.RSA.PublicKey, map[string]any{jwk.KeyIDKey: KidRSANoAlg})
	j.KeyServer = ServeKeys(tb, set)
	return j
}

// PrivateJWK is the private key published under kid, as a JWK that names
// kid, so that jwt.Sign puts the kid in the header.
func (j *JWKS) PrivateJWK(tb testing.TB, kid string) jwk.Key {
	tb.Helper()
	var raw any = j.RSA
	switch kid {
	case KidEC:
		raw = j.EC
	case KidEnc:
		raw = j.EncRSA
	}
	k, err := jwk.FromRaw(raw)
	if err != nil {
		tb.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		tb.Fatal(err)
	}
	return k
}

// KeyServer serves a JWK set over HTTP and counts the requests.
type KeyServer struct {
	URL      string
	srv      *httptest.Server
	requests atomic.Int64
}

// ServeKeys starts a KeyServer for set; it stops when tb ends.
func ServeKeys(tb testing.TB, set jwk.Set) *KeyServer {
	tb.Helper()
	body, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	s := &KeyServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	tb.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// Requests is the number of requests the server has had.
func (s *KeyServer) Requests() int64 { return s.requests.Load() }

// Client is an HTTP client for the server.
func (s *KeyServer) Client() *http.Client { return s.srv.Client() }

// PublicJWK is key's public key as a JWK, named kid unless kid is empty.
func PublicJWK(tb testing.TB, key any, kid string) jwk.Key {
	tb.Helper()
	k, err := jwk.PublicKeyOf(key)
	if err != nil {
		tb.Fatal(err)
	}
	if kid != "" {
		if err := k.Set(jwk.KeyIDKey, kid); err != nil {
			tb.Fatal(err)
		}
	}
	return k
}

// RSAKey is a new 2048-bit RSA key.
func RSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// ECKey is a new P-256 key.
func ECKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
