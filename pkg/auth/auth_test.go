package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef") // exactly 32 bytes
	// now is the fixed clock of every verifier; whole seconds, as in a JWT.
	now = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
)

const skew = 30 * time.Second

// claims describes a token's payload. Zero fields are left out, except exp,
// which defaults to an hour from now unless noExp is set.
type claims struct {
	sub, iss   string
	aud        []string
	role       any
	exp        time.Time
	noExp      bool
	nbf, iat   time.Time
	extraClaim map[string]any
}

func (c claims) build(t *testing.T) jwt.Token {
	t.Helper()
	b := jwt.NewBuilder()
	if c.sub != "" {
		b = b.Subject(c.sub)
	}
	if c.iss != "" {
		b = b.Issuer(c.iss)
	}
	if c.aud != nil {
		b = b.Audience(c.aud)
	}
	if c.role != nil {
		b = b.Claim("role", c.role)
	}
	switch {
	case c.noExp:
	case c.exp.IsZero():
		b = b.Expiration(now.Add(time.Hour))
	default:
		b = b.Expiration(c.exp)
	}
	if !c.nbf.IsZero() {
		b = b.NotBefore(c.nbf)
	}
	if !c.iat.IsZero() {
		b = b.IssuedAt(c.iat)
	}
	for k, v := range c.extraClaim {
		b = b.Claim(k, v)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatalf("build token: %v", err)
	}
	return tok
}

func admin() claims { return claims{sub: "admin-1", role: auth.RoleAdmin, iat: now} }

// sign signs c with alg and key; headers are added to the protected header.
func sign(t *testing.T, c claims, alg jwa.SignatureAlgorithm, key any, headers map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(c.build(t))
	if err != nil {
		t.Fatal(err)
	}
	return testkit.SignPayload(t, alg, key, payload, headers)
}

func hs256(t *testing.T, c claims) string { return sign(t, c, jwa.HS256, secret, nil) }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// unsigned builds header.payload.signature by hand.
func unsigned(header, payload, sig string) string {
	return b64(header) + "." + b64(payload) + "." + sig
}

func segments(tok string) []string {
	s := strings.Split(tok, ".")
	if len(s) != 3 {
		panic("not a compact JWS: " + tok)
	}
	return s
}

func flipSignatureBit(t *testing.T, tok string) string {
	t.Helper()
	s := segments(tok)
	sig, err := base64.RawURLEncoding.DecodeString(s[2])
	if err != nil {
		t.Fatalf("decode signature: %v", err)
	}
	sig[len(sig)/2] ^= 0x01
	return s[0] + "." + s[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// swapPayload keeps tok's header and signature but replaces its payload with
// other's.
func swapPayload(tok, other string) string {
	a, b := segments(tok), segments(other)
	return a[0] + "." + b[1] + "." + a[2]
}

func newVerifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	if cfg.Skew == 0 {
		cfg.Skew = skew
	}
	v, err := auth.NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// authorizer is v alone on a keyring that trusts it for every role: how
// the API authorizes with one key.
func authorizer(v *auth.Verifier) *auth.Keyring {
	k := &auth.Keyring{}
	k.Add(v)
	return k
}

func TestNewVerifier_Config(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer failing.Close()

	tests := []struct {
		name    string
		cfg     auth.Config
		wantErr bool
	}{
		{"HS256 secret of 32 bytes", auth.Config{Secret: secret}, false},
		{"HS256 secret of 64 bytes", auth.Config{Secret: []byte(strings.Repeat("s", 64))}, false},
		{"HS256 secret of 31 bytes", auth.Config{Secret: secret[:31]}, true},
		{"HS256 secret of 1 byte", auth.Config{Secret: []byte("x")}, true},
		{"secret and JWKS URL", auth.Config{Secret: secret, JWKSURL: srv.URL}, true},
		{"neither secret nor JWKS URL", auth.Config{}, true},
		{"empty secret slice, no JWKS URL", auth.Config{Secret: []byte{}}, true},
		{"JWKS URL that serves a key set", auth.Config{JWKSURL: srv.URL}, false},
		{"JWKS URL that fails", auth.Config{JWKSURL: failing.URL}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := auth.NewVerifier(context.Background(), tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewVerifier() error = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && v == nil {
				t.Fatal("NewVerifier() returned a nil Verifier without error")
			}
		})
	}
}

// b64url is every character of the base64url alphabet (RFC 4648 §5).
const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestBearerToken(t *testing.T) {
	// A string that matches the compact-JWS shape, of exactly n bytes.
	shaped := func(n int) string { return "a.b." + strings.Repeat("c", n-4) }
	tests := []struct {
		name    string
		header  string
		want    string
		wantErr error
	}{
		{"token extracted", "Bearer aaa.bbb.ccc", "aaa.bbb.ccc", nil},
		{"token of exactly 8 KiB", "Bearer " + shaped(8<<10), shaped(8 << 10), nil},
		{"empty header", "", "", auth.ErrMissingToken},
		{"token over 8 KiB", "Bearer " + shaped(8<<10+1), "", auth.ErrInvalidToken},
		{"lowercase scheme", "bearer aaa.bbb.ccc", "", auth.ErrInvalidToken},
		{"uppercase scheme", "BEARER aaa.bbb.ccc", "", auth.ErrInvalidToken},
		{"Basic scheme", "Basic dXNlcjpwYXNz", "", auth.ErrInvalidToken},
		{"double space", "Bearer  aaa.bbb.ccc", "", auth.ErrInvalidToken},
		{"tab separator", "Bearer\taaa.bbb.ccc", "", auth.ErrInvalidToken},
		{"scheme only", "Bearer ", "", auth.ErrInvalidToken},
		{"scheme without space", "Bearer", "", auth.ErrInvalidToken},
		{"trailing space", "Bearer aaa.bbb.ccc ", "", auth.ErrInvalidToken},
		{"two segments", "Bearer aaa.bbb", "", auth.ErrInvalidToken},
		{"five segments", "Bearer aaa.bbb.ccc.ddd.eee", "", auth.ErrInvalidToken},
		{"empty signature", "Bearer aaa.bbb.", "", auth.ErrInvalidToken},
		{"padding character", "Bearer aaa.bbb.ccc=", "", auth.ErrInvalidToken},
		{"standard base64 characters", "Bearer aa+a.b/bb.ccc", "", auth.ErrInvalidToken},
		{"JSON serialization", `Bearer {"payload":"x","signatures":[]}`, "", auth.ErrInvalidToken},
		{"every base64url character", "Bearer " + b64url + "." + b64url + "." + b64url, b64url + "." + b64url + "." + b64url, nil},
		{"one-character segments", "Bearer a.b.c", "a.b.c", nil},
		{"empty header segment", "Bearer .bbb.ccc", "", auth.ErrInvalidToken},
		{"empty payload segment", "Bearer aaa..ccc", "", auth.ErrInvalidToken},
		{"dots only", "Bearer ..", "", auth.ErrInvalidToken},
		{"four segments", "Bearer aaa.bbb.ccc.ddd", "", auth.ErrInvalidToken},
		{"trailing newline", "Bearer aaa.bbb.ccc\n", "", auth.ErrInvalidToken},
		{"leading space in token", "Bearer  aaa.bbb.ccc", "", auth.ErrInvalidToken},
		{"NUL byte", "Bearer aaa.b\x00b.ccc", "", auth.ErrInvalidToken},
		{"non-ASCII letter", "Bearer aaa.bbé.ccc", "", auth.ErrInvalidToken},
		{"full-width dot", "Bearer aaa．bbb.ccc", "", auth.ErrInvalidToken},
		{"invalid UTF-8", "Bearer aaa.b\xffb.ccc", "", auth.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.BearerToken(tt.header)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("BearerToken() error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("BearerToken() = %.40q, want %.40q", got, tt.want)
			}
		})
	}
}

func TestAuthorize_HS256(t *testing.T) {
	v := newVerifier(t, auth.Config{Secret: secret})

	valid := hs256(t, admin())
	clientTok := hs256(t, claims{sub: "acme_1", role: auth.RoleClient})
	hdr := func(tok string) string { return "Bearer " + tok }
	with := func(edit func(*claims)) claims { c := admin(); edit(&c); return c }

	tests := []struct {
		name    string
		header  string
		wantErr error
	}{
		{"missing header", "", auth.ErrMissingToken},
		{"lowercase bearer", "bearer " + valid, auth.ErrInvalidToken},
		{"Basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pw")), auth.ErrInvalidToken},
		{"double space", "Bearer  " + valid, auth.ErrInvalidToken},
		{"two segments", hdr(strings.Join(segments(valid)[:2], ".")), auth.ErrInvalidToken},
		{"five segments (JWE-like)", hdr(valid + ".eee.fff"), auth.ErrInvalidToken},
		{"non-base64url character", hdr(strings.Replace(valid, ".", "+.", 1)), auth.ErrInvalidToken},
		{"padded signature", hdr(valid + "="), auth.ErrInvalidToken},
		{"token over 8 KiB", hdr(hs256(t, with(func(c *claims) {
			c.extraClaim = map[string]any{"pad": strings.Repeat("p", 8<<10)}
		}))), auth.ErrInvalidToken},
		{"alg none, empty signature", hdr(unsigned(`{"alg":"none"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "")), auth.ErrInvalidToken},
		{"alg None, empty signature", hdr(unsigned(`{"alg":"None"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "")), auth.ErrInvalidToken},
		{"alg NONE, empty signature", hdr(unsigned(`{"alg":"NONE"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "")), auth.ErrInvalidToken},
		{"alg none, junk signature", hdr(unsigned(`{"alg":"none"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "c2ln")), auth.ErrInvalidToken},
		{"alg None, junk signature", hdr(unsigned(`{"alg":"None"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "c2ln")), auth.ErrInvalidToken},
		{"alg NONE, junk signature", hdr(unsigned(`{"alg":"NONE"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "c2ln")), auth.ErrInvalidToken},
		{"HS384 with the right secret", hdr(sign(t, admin(), jwa.HS384, secret, nil)), auth.ErrInvalidToken},
		{"HS512 with the right secret", hdr(sign(t, admin(), jwa.HS512, secret, nil)), auth.ErrInvalidToken},
		{"wrong secret", hdr(sign(t, admin(), jwa.HS256, []byte(strings.Repeat("w", 32)), nil)), auth.ErrInvalidToken},
		{"bit-flipped signature", hdr(flipSignatureBit(t, valid)), auth.ErrInvalidToken},
		{"payload altered after signing", hdr(swapPayload(clientTok, valid)), auth.ErrInvalidToken},
		{"exp missing", hdr(hs256(t, with(func(c *claims) { c.noExp = true }))), auth.ErrInvalidToken},
		{"expired beyond skew", hdr(hs256(t, with(func(c *claims) { c.exp = now.Add(-skew - 10*time.Second) }))), auth.ErrInvalidToken},
		{"expired long ago", hdr(hs256(t, with(func(c *claims) { c.exp = now.Add(-24 * time.Hour); c.iat = now.Add(-25 * time.Hour) }))), auth.ErrInvalidToken},
		{"nbf in the future beyond skew", hdr(hs256(t, with(func(c *claims) { c.nbf = now.Add(skew + 30*time.Second) }))), auth.ErrInvalidToken},
		{"iat in the future beyond skew", hdr(hs256(t, with(func(c *claims) { c.iat = now.Add(skew + 30*time.Second) }))), auth.ErrInvalidToken},
		{"unknown crit extension", hdr(sign(t, admin(), jwa.HS256, secret, map[string]any{
			jws.CriticalKey: []string{"urn:example:ext"}, "urn:example:ext": true,
		})), auth.ErrInvalidToken},
		{"client role on an admin route", hdr(clientTok), auth.ErrForbidden},
		{"role Admin", hdr(hs256(t, with(func(c *claims) { c.role = "Admin" }))), auth.ErrForbidden},
		{"role as array", hdr(hs256(t, with(func(c *claims) { c.role = []string{"admin"} }))), auth.ErrForbidden},
		{"role with trailing space", hdr(hs256(t, with(func(c *claims) { c.role = "admin " }))), auth.ErrForbidden},
		{"role missing", hdr(hs256(t, with(func(c *claims) { c.role = nil }))), auth.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authorizer(v).Authorize(tt.header, auth.RoleAdmin)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Authorize() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestAuthorize_HS256Accepted(t *testing.T) {
	v := newVerifier(t, auth.Config{Secret: secret})
	with := func(edit func(*claims)) claims { c := admin(); edit(&c); return c }
	tests := []struct {
		name string
		c    claims
	}{
		{"valid admin token", admin()},
		{"expired 10s ago, within skew", with(func(c *claims) { c.exp = now.Add(-10 * time.Second); c.iat = now.Add(-time.Hour) })},
		{"nbf 10s ahead, within skew", with(func(c *claims) { c.nbf = now.Add(10 * time.Second) })},
		{"iat 10s ahead, within skew", with(func(c *claims) { c.iat = now.Add(10 * time.Second) })},
		{"nbf and iat in the past", with(func(c *claims) { c.nbf, c.iat = now.Add(-time.Minute), now.Add(-time.Minute) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authorizer(v).Authorize("Bearer "+hs256(t, tt.c), auth.RoleAdmin)
			if err != nil {
				t.Fatalf("Authorize() error = %v", err)
			}
			if got.Subject != "admin-1" || got.Role != auth.RoleAdmin {
				t.Errorf("Authorize() = %+v, want Subject admin-1 and Role admin", got)
			}
		})
	}
}

func TestAuthorize_ClientRoleOnClientRoute(t *testing.T) {
	v := newVerifier(t, auth.Config{Secret: secret})
	tok := hs256(t, claims{sub: "acme_1", role: auth.RoleClient, iat: now, extraClaim: map[string]any{"clientId": "acme_1"}})
	got, err := authorizer(v).Authorize("Bearer "+tok, auth.RoleClient)
	if err != nil {
		t.Fatalf("Authorize(client) error = %v", err)
	}
	want := auth.Claims{Subject: "acme_1", Role: auth.RoleClient, ClientID: "acme_1", IssuedAt: now}
	if !got.IssuedAt.Equal(want.IssuedAt) || got.Subject != want.Subject || got.Role != want.Role || got.ClientID != want.ClientID {
		t.Errorf("Authorize(client) = %+v, want %+v", got, want)
	}
	if _, err := authorizer(v).Authorize("Bearer "+hs256(t, admin()), auth.RoleClient); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("Authorize(admin token, client) error = %v, want ErrForbidden", err)
	}
}

func TestAuthorize_IssuerAndAudience(t *testing.T) {
	const iss, aud = "https://issuer.example", "admin-api"
	v := newVerifier(t, auth.Config{Secret: secret, Issuer: iss, Audience: aud})
	with := func(edit func(*claims)) claims { c := admin(); c.iss, c.aud = iss, []string{aud}; edit(&c); return c }
	tests := []struct {
		name    string
		c       claims
		wantErr error
	}{
		{"matching iss and aud", with(func(*claims) {}), nil},
		{"aud among several", with(func(c *claims) { c.aud = []string{"other", aud} }), nil},
		{"wrong iss", with(func(c *claims) { c.iss = "https://evil.example" }), auth.ErrInvalidToken},
		{"missing iss", with(func(c *claims) { c.iss = "" }), auth.ErrInvalidToken},
		{"wrong aud", with(func(c *claims) { c.aud = []string{"other-api"} }), auth.ErrInvalidToken},
		{"missing aud", with(func(c *claims) { c.aud = nil }), auth.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authorizer(v).Authorize("Bearer "+hs256(t, tt.c), auth.RoleAdmin)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Authorize() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestIssuer_SignedTokenVerifies(t *testing.T) {
	const iss, aud = "https://issuer.example", "admin-api"
	v := newVerifier(t, auth.Config{Secret: secret, Issuer: iss, Audience: aud})
	is := auth.Issuer{Secret: secret, Issuer: iss, Audience: aud, Now: func() time.Time { return now }}

	tok, err := is.SignClient("acme_1", "2026-01-01T00:00:00.000Z", time.Hour)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	got, err := authorizer(v).Authorize("Bearer "+tok, auth.RoleClient)
	if err != nil {
		t.Fatalf("Authorize(issued token) error = %v", err)
	}
	if got.Subject != "acme_1" || got.Role != auth.RoleClient || got.ClientID != "acme_1" || !got.IssuedAt.Equal(now) {
		t.Errorf("Authorize(issued token) = %+v", got)
	}

	expired, err := auth.Issuer{Secret: secret, Issuer: iss, Audience: aud, Now: func() time.Time { return now.Add(-2 * time.Hour) }}.
		Sign("admin-1", auth.RoleAdmin, time.Hour)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if _, err := authorizer(v).Authorize("Bearer "+expired, auth.RoleAdmin); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Authorize(token issued with an expired ttl) error = %v, want ErrInvalidToken", err)
	}
}

func TestAuthorize_JWKS(t *testing.T) {
	f := testkit.NewJWKS(t)
	v := newVerifier(t, auth.Config{JWKSURL: f.URL})

	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	attackerJWK, err := jwk.FromRaw(&attacker.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = attackerJWK.Set(jwk.KeyIDKey, testkit.KidRSA)
	attackerSet := jwk.NewSet()
	_ = attackerSet.AddKey(attackerJWK)
	attackerSrv := testkit.ServeKeys(t, attackerSet)

	der, err := x509.MarshalPKIXPublicKey(&f.RSA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&f.RSA.PublicKey)})
	rsaJWKJSON, err := json.Marshal(mustJWK(t, &f.RSA.PublicKey))
	if err != nil {
		t.Fatal(err)
	}

	kid := func(k string) map[string]any { return map[string]any{jws.KeyIDKey: k} }
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"RS256 with kid rsa1", sign(t, admin(), jwa.RS256, f.RSA, kid(testkit.KidRSA)), nil},
		{"ES256 with kid ec1", sign(t, admin(), jwa.ES256, f.EC, kid(testkit.KidEC)), nil},
		{"RS256 with unknown kid", sign(t, admin(), jwa.RS256, f.RSA, kid("rsa2")), auth.ErrInvalidToken},
		{"RS256 without kid", sign(t, admin(), jwa.RS256, f.RSA, nil), auth.ErrInvalidToken},
		{"ES256 without kid", sign(t, admin(), jwa.ES256, f.EC, nil), auth.ErrInvalidToken},
		{"RS256 with empty kid", sign(t, admin(), jwa.RS256, f.RSA, kid("")), auth.ErrInvalidToken},
		{"RS512 with the RSA key", sign(t, admin(), jwa.RS512, f.RSA, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"PS256 with the RSA key", sign(t, admin(), jwa.PS256, f.RSA, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"ES256 signature announced as ES384", esWithAlgHeader(t, f.EC), auth.ErrInvalidToken},
		{"ES256 claiming kid rsa1", sign(t, admin(), jwa.ES256, f.EC, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"RS256 claiming kid ec1", sign(t, admin(), jwa.RS256, f.RSA, kid(testkit.KidEC)), auth.ErrInvalidToken},
		{"RS256 with an RSA key published without alg", sign(t, admin(), jwa.RS256, f.RSA, kid(testkit.KidRSANoAlg)), nil},
		{"RS512 with an RSA key published without alg", sign(t, admin(), jwa.RS512, f.RSA, kid(testkit.KidRSANoAlg)), auth.ErrInvalidToken},
		{"PS256 with an RSA key published without alg", sign(t, admin(), jwa.PS256, f.RSA, kid(testkit.KidRSANoAlg)), auth.ErrInvalidToken},
		{"ES256 claiming an RSA key published without alg", sign(t, admin(), jwa.ES256, f.EC, kid(testkit.KidRSANoAlg)), auth.ErrInvalidToken},
		{"HS256 keyed with the RSA public key DER, kid without alg", sign(t, admin(), jwa.HS256, der, kid(testkit.KidRSANoAlg)), auth.ErrInvalidToken},
		{"RS256 naming a key published for RS512", sign(t, admin(), jwa.RS256, f.RSA, kid(testkit.KidRSA512)), auth.ErrInvalidToken},
		{"RS256 with a key marked for encryption", sign(t, admin(), jwa.RS256, f.EncRSA, kid(testkit.KidEnc)), auth.ErrInvalidToken},
		{"HS256 keyed with the RSA public key PEM", sign(t, admin(), jwa.HS256, pemBytes, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"HS256 keyed with the RSA public key PKCS#1 PEM", sign(t, admin(), jwa.HS256, pkcs1PEM, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"HS256 keyed with the RSA public key DER", sign(t, admin(), jwa.HS256, der, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"HS256 keyed with the RSA public JWK JSON", sign(t, admin(), jwa.HS256, rsaJWKJSON, kid(testkit.KidRSA)), auth.ErrInvalidToken},
		{"attacker key with embedded jwk header", sign(t, admin(), jwa.RS256, attacker, map[string]any{
			jws.KeyIDKey: testkit.KidRSA, jws.JWKKey: attackerJWK,
		}), auth.ErrInvalidToken},
		{"attacker key with jku header", sign(t, admin(), jwa.RS256, attacker, map[string]any{
			jws.KeyIDKey: testkit.KidRSA, jws.JWKSetURLKey: attackerSrv.URL,
		}), auth.ErrInvalidToken},
		{"attacker key with x5u header", sign(t, admin(), jwa.RS256, attacker, map[string]any{
			jws.KeyIDKey: testkit.KidRSA, jws.X509URLKey: attackerSrv.URL,
		}), auth.ErrInvalidToken},
		{"unknown crit extension", sign(t, admin(), jwa.RS256, f.RSA, map[string]any{
			jws.KeyIDKey: testkit.KidRSA, jws.CriticalKey: []string{"urn:example:ext"}, "urn:example:ext": true,
		}), auth.ErrInvalidToken},
		{"alg none with kid rsa1", unsigned(`{"alg":"none","kid":"rsa1"}`, `{"sub":"x","role":"admin","exp":9999999999}`, "c2ln"), auth.ErrInvalidToken},
		{"expired RS256", sign(t, claims{sub: "admin-1", role: auth.RoleAdmin, exp: now.Add(-time.Hour)}, jwa.RS256, f.RSA, kid(testkit.KidRSA)), auth.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authorizer(v).Authorize("Bearer "+tt.token, auth.RoleAdmin)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Authorize() error = %v, want nil", err)
				}
				if got.Subject != "admin-1" || got.Role != auth.RoleAdmin {
					t.Errorf("Authorize() = %+v, want Subject admin-1 and Role admin", got)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Authorize() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if n := attackerSrv.Requests(); n != 0 {
		t.Errorf("attacker's server got %d requests, want 0", n)
	}
}

func mustJWK(t *testing.T, raw any) jwk.Key {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// esWithAlgHeader signs with ES256 but announces ES384 in the header; the
// verifier must not take the header's word for it.
func esWithAlgHeader(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	tok := sign(t, admin(), jwa.ES256, key, map[string]any{jws.KeyIDKey: testkit.KidEC})
	s := segments(tok)
	return b64(`{"alg":"ES384","kid":"ec1"}`) + "." + s[1] + "." + s[2]
}

func TestJWKS_NoFetchAfterNewVerifier(t *testing.T) {
	f := testkit.NewJWKS(t)
	ctx, cancel := context.WithCancel(context.Background())
	v, err := auth.NewVerifier(ctx, auth.Config{JWKSURL: f.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	// The cold-start context may end; the cached keys must keep working.
	cancel()
	fetched := f.Requests()
	if fetched == 0 {
		t.Fatal("NewVerifier did not fetch the JWKS")
	}

	good := []string{
		sign(t, admin(), jwa.RS256, f.RSA, map[string]any{jws.KeyIDKey: testkit.KidRSA}),
		sign(t, admin(), jwa.ES256, f.EC, map[string]any{jws.KeyIDKey: testkit.KidEC}),
	}
	// A kid the set lacks must not make the verifier go back to the server.
	unknown := sign(t, admin(), jwa.RS256, f.RSA, map[string]any{jws.KeyIDKey: "rotated"})

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 100 {
		wg.Go(func() {
			if _, err := authorizer(v).Authorize("Bearer "+good[i%2], auth.RoleAdmin); err != nil {
				errs <- err
			}
			if _, err := authorizer(v).Authorize("Bearer "+unknown, auth.RoleAdmin); !errors.Is(err, auth.ErrInvalidToken) {
				errs <- errors.New("unknown kid accepted or wrong error: " + errString(err))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := f.Requests(); n != fetched {
		t.Errorf("JWKS server got %d requests after NewVerifier, want 0", n-fetched)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// strictClaimsCases are payloads signed with a valid key; each must be
// refused (or accepted) whatever the verification mode. exp in the future
// is 1736946000+3600.
var strictClaimsCases = []struct {
	name    string
	payload string
	ok      bool
}{
	{"control: integer exp", `{"sub":"admin-1","role":"admin","exp":1736949600}`, true},
	{"control: fractional exp in the future", `{"sub":"admin-1","role":"admin","exp":1736949600.5}`, true},
	{"control: exponent form in the future", `{"sub":"admin-1","role":"admin","exp":1.7369496e9}`, true},
	{"control: white space after the object", "{\"sub\":\"admin-1\",\"role\":\"admin\",\"exp\":1736949600}\n ", true},
	{"exp 0 (jwx treats it as unset)", `{"sub":"admin-1","role":"admin","exp":0}`, false},
	{"exp 0.5 (truncates to 0)", `{"sub":"admin-1","role":"admin","exp":0.5}`, false},
	{"exp 0.999999", `{"sub":"admin-1","role":"admin","exp":0.999999}`, false},
	{"exp -0", `{"sub":"admin-1","role":"admin","exp":-0}`, false},
	{"exp negative", `{"sub":"admin-1","role":"admin","exp":-1}`, false},
	{"exp 0e0", `{"sub":"admin-1","role":"admin","exp":0e0}`, false},
	{"exp null", `{"sub":"admin-1","role":"admin","exp":null}`, false},
	{"exp numeric string", `{"sub":"admin-1","role":"admin","exp":"9999999999"}`, false},
	{"exp beyond year 9999", `{"sub":"admin-1","role":"admin","exp":1e300}`, false},
	{"exp beyond int64", `{"sub":"admin-1","role":"admin","exp":99999999999999999999}`, false},
	{"exp missing", `{"sub":"admin-1","role":"admin"}`, false},
	{"bytes after the closing brace", `{"sub":"admin-1","role":"admin","exp":"9999999999"} junk`, false},
	{"a second object after the first", `{"sub":"admin-1","role":"admin","exp":1736949600}{"exp":0}`, false},
	{"a closing brace too many", `{"sub":"admin-1","role":"admin","exp":1736949600}}`, false},
	{"exp twice, the last one 0", `{"sub":"admin-1","role":"admin","exp":1736949600,"exp":0}`, false},
	{"role twice", `{"sub":"admin-1","role":"client","exp":1736949600,"role":"admin"}`, false},
	{"nbf numeric string", `{"sub":"admin-1","role":"admin","exp":1736949600,"nbf":"0"}`, false},
	{"iat boolean", `{"sub":"admin-1","role":"admin","exp":1736949600,"iat":true}`, false},
	{"sub a number", `{"sub":1,"role":"admin","exp":1736949600}`, false},
	{"aud a number", `{"sub":"admin-1","role":"admin","exp":1736949600,"aud":1}`, false},
	{"iss an object", `{"sub":"admin-1","role":"admin","exp":1736949600,"iss":{}}`, false},
	{"an array, not an object", `[{"sub":"admin-1","role":"admin","exp":1736949600}]`, false},
	{"empty payload", ``, false},
	{"truncated object", `{"sub":"admin-1","role":"admin","exp":1736949600`, false},
}

func TestVerify_StrictClaims(t *testing.T) {
	f := testkit.NewJWKS(t)
	modes := []struct {
		name string
		cfg  auth.Config
		sign func(t *testing.T, payload string) string
	}{
		{"HS256", auth.Config{Secret: secret}, func(t *testing.T, p string) string { return testkit.SignPayload(t, jwa.HS256, secret, []byte(p), nil) }},
		{"JWKS RS256", auth.Config{JWKSURL: f.URL}, func(t *testing.T, p string) string {
			return testkit.SignPayload(t, jwa.RS256, f.RSA, []byte(p), map[string]any{jws.KeyIDKey: testkit.KidRSA})
		}},
		{"JWKS ES256", auth.Config{JWKSURL: f.URL}, func(t *testing.T, p string) string {
			return testkit.SignPayload(t, jwa.ES256, f.EC, []byte(p), map[string]any{jws.KeyIDKey: testkit.KidEC})
		}},
	}
	for _, m := range modes {
		v := newVerifier(t, m.cfg)
		for _, tt := range strictClaimsCases {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				tok := m.sign(t, tt.payload)
				// Twice: the second sight goes through the HS256 cache.
				for i := range 2 {
					c, err := v.Verify(tok)
					if tt.ok && (err != nil || c.Role != auth.RoleAdmin || c.Subject != "admin-1") {
						t.Fatalf("sight %d: Verify() = %+v, %v; want the admin's claims", i+1, c, err)
					}
					if !tt.ok && !errors.Is(err, auth.ErrInvalidToken) {
						t.Fatalf("sight %d: Verify() = %+v, %v; want ErrInvalidToken", i+1, c, err)
					}
				}
			})
		}
	}
}

// The signature covers the payload segment's exact text: a segment that
// only a lenient base64 decoder reads (padding, standard alphabet) is
// refused even when it decodes to the signed bytes.
func TestVerify_PayloadSegmentIsStrictBase64URL(t *testing.T) {
	v := newVerifier(t, auth.Config{Secret: secret})
	tok := testkit.SignPayload(t, jwa.HS256, secret, []byte(`{"sub":"admin-1","role":"admin","exp":1736949600}`), nil)
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("control: %v", err)
	}
	s := segments(tok)
	for name, payload := range map[string]string{
		"padded":            s[1] + "==",
		"standard alphabet": strings.NewReplacer("-", "+", "_", "/").Replace(s[1]) + "+",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(s[0] + "." + payload + "." + s[2]); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify() error = %v, want ErrInvalidToken", err)
			}
		})
	}
}
