package e2e_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/cert"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwe"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
)

// The token attack suites run every case against every route of
// Handler.Routes() that requires a role, so routes added later are covered
// without touching this file. Each refusal must be a 401 (403 when the
// token is valid but its role is wrong) in the contract's shape, cost no
// DynamoDB call, and leave the table as it was.

const (
	attackIss = "https://issuer.test"
	attackAud = "outbound-caller-admin"
)

// attack is one Authorization attempt. headers are the Authorization
// header values sent (none, one, or several).
type attack struct {
	name    string
	headers []string
	status  int
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// claimsFor are the claims of a valid token for role at now.
func claimsFor(role, session string, now time.Time) map[string]any {
	c := map[string]any{
		"sub": "attacker", "role": role, "iss": attackIss, "aud": attackAud,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if role == auth.RoleClient {
		c["sub"], c["clientId"], c[auth.SessionClaim] = testkit.JohnID, testkit.JohnID, session
	}
	return c
}

// with returns a copy of claims with changes applied; a nil value deletes.
func with(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// unsigned is an "alg" token with the given header and an empty signature.
func unsigned(t *testing.T, alg string, claims map[string]any) string {
	t.Helper()
	return b64JSON(t, map[string]any{"alg": alg, "typ": "JWT"}) + "." + b64JSON(t, claims) + "."
}

// otherRole is a valid role that is not role.
func otherRole(role string) string {
	if role == auth.RoleAdmin {
		return auth.RoleClient
	}
	return auth.RoleAdmin
}

// hs256Attacks are the cases for HS256 mode with issuer and audience
// configured, for a route that requires role.
func hs256Attacks(t *testing.T, role, session string) []attack {
	secret := []byte(testkit.TokenSecret)
	now := time.Now()
	good := claimsFor(role, session, now)
	valid := testkit.SignJWT(t, jwa.HS256, secret, good, nil)
	parts := strings.Split(valid, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	attacker := testkit.RSAKey(t)
	evilSet := jwk.NewSet()
	_ = evilSet.AddKey(testkit.PublicJWK(t, attacker, "evil"))
	evil := testkit.ServeKeys(t, evilSet)
	t.Cleanup(func() {
		if n := evil.Requests(); n != 0 {
			t.Errorf("the verifier fetched a URL named by a token %d times", n)
		}
	})
	swapped := testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": otherRole(role)}), nil)
	sp := strings.Split(swapped, ".")
	longer := testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil)
	lp := strings.Split(longer, ".")
	enc, err := jwe.Encrypt([]byte(valid), jwe.WithKey(jwa.A256KW, secret[:32]))
	if err != nil {
		t.Fatal(err)
	}
	forbidden := http.StatusForbidden
	const unauthorized = http.StatusUnauthorized
	return []attack{
		{"no Authorization header", nil, unauthorized},
		{"empty Authorization header", []string{""}, unauthorized},
		{"alg none, empty signature", []string{testkit.Bearer(unsigned(t, "none", good))}, unauthorized},
		{"alg None", []string{testkit.Bearer(unsigned(t, "None", good))}, unauthorized},
		{"alg NONE", []string{testkit.Bearer(unsigned(t, "NONE", good))}, unauthorized},
		{"alg nOnE", []string{testkit.Bearer(unsigned(t, "nOnE", good))}, unauthorized},
		{"alg none with a valid signature kept", []string{testkit.Bearer(b64JSON(t, map[string]any{"alg": "none"}) + "." + parts[1] + "." + parts[2])}, unauthorized},
		{"alg empty with a valid signature kept", []string{testkit.Bearer(b64JSON(t, map[string]any{"alg": ""}) + "." + parts[1] + "." + parts[2])}, unauthorized},
		{"HS512 with the right secret", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS512, secret, good, nil))}, unauthorized},
		{"HS384 with the right secret", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS384, secret, good, nil))}, unauthorized},
		{"RS256 with an attacker's key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, nil))}, unauthorized},
		{"another secret", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, []byte("another-secret-0123456789abcdef0123456789"), good, nil))}, unauthorized},
		{"signature bit-flipped", []string{testkit.Bearer(parts[0] + "." + parts[1] + "." + b64(sig))}, unauthorized},
		{"signature empty", []string{testkit.Bearer(parts[0] + "." + parts[1] + ".")}, unauthorized},
		{"payload altered after signing (role)", []string{testkit.Bearer(sp[0] + "." + b64JSON(t, good) + "." + sp[2])}, unauthorized},
		{"payload altered after signing (exp)", []string{testkit.Bearer(lp[0] + "." + b64JSON(t, good) + "." + lp[2])}, unauthorized},
		{"exp missing", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": nil}), nil))}, unauthorized},
		{"exp past", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": now.Add(-10 * time.Minute).Unix()}), nil))}, unauthorized},
		{"exp not a number", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": "9999999999"}), nil))}, unauthorized},
		{"exp boolean", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": true}), nil))}, unauthorized},
		{"exp 0 (never expires to jwx)", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": 0}), nil))}, unauthorized},
		{"exp 0.5 (truncates to 0)", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"exp": 0.5}), nil))}, unauthorized},
		{"bytes after the claims' closing brace", []string{testkit.Bearer(testkit.SignPayload(t, jwa.HS256, secret, trailing(t, with(good, map[string]any{"exp": "9999999999"})), nil))}, unauthorized},
		{"exp twice, the last 0", []string{testkit.Bearer(testkit.SignPayload(t, jwa.HS256, secret, duplicateExp(t, good), nil))}, unauthorized},
		{"nbf in the future beyond skew", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"nbf": now.Add(10 * time.Minute).Unix()}), nil))}, unauthorized},
		{"iat in the future beyond skew", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"iat": now.Add(10 * time.Minute).Unix()}), nil))}, unauthorized},
		{"wrong iss", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"iss": "https://evil.test"}), nil))}, unauthorized},
		{"iss missing", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"iss": nil}), nil))}, unauthorized},
		{"wrong aud", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"aud": "other"}), nil))}, unauthorized},
		{"aud missing", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"aud": nil}), nil))}, unauthorized},
		{"role missing", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": nil}), nil))}, forbidden},
		{"role capitalised", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": strings.ToUpper(role[:1]) + role[1:]}), nil))}, forbidden},
		{"role as an array", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": []string{role}}), nil))}, forbidden},
		{"role with a trailing space", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": role + " "}), nil))}, forbidden},
		{"the other role", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"role": otherRole(role)}), nil))}, forbidden},
		{"crit with an unknown extension", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, good, map[string]any{"crit": []string{"x-ext"}, "x-ext": true}))}, unauthorized},
		{"jku naming another key set", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"jku": evil.URL, "kid": "evil"}))}, unauthorized},
		{"x5u naming another key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"x5u": evil.URL}))}, unauthorized},
		{"jwk header with another key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"jwk": testkit.PublicJWK(t, attacker, "")}))}, unauthorized},
		{"JWE of a valid token", []string{testkit.Bearer(string(enc))}, unauthorized},
		{"nested JWT (cty JWT) around a valid token", []string{testkit.Bearer(testkit.SignPayload(t, jwa.HS256, secret, []byte(valid), map[string]any{"cty": "JWT"}))}, unauthorized},
		{"three dots", []string{testkit.Bearer(valid + ".")}, unauthorized},
		{"two segments only", []string{testkit.Bearer(parts[0] + "." + parts[1])}, unauthorized},
		{"one segment", []string{testkit.Bearer(parts[1])}, unauthorized},
		{"standard base64 characters", []string{testkit.Bearer(strings.ReplaceAll(strings.ReplaceAll(valid, "-", "+"), "_", "/") + "+/")}, unauthorized},
		{"base64 padding", []string{testkit.Bearer(parts[0] + "=." + parts[1] + "." + parts[2])}, unauthorized},
		{"token over 8 KiB", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, secret, with(good, map[string]any{"pad": strings.Repeat("x", 9000)}), nil))}, unauthorized},
		{"Bearer missing", []string{valid}, unauthorized},
		{"bearer lowercase", []string{"bearer " + valid}, unauthorized},
		{"BEARER uppercase", []string{"BEARER " + valid}, unauthorized},
		{"Bearer doubled", []string{"Bearer Bearer " + valid}, unauthorized},
		{"two spaces after Bearer", []string{"Bearer  " + valid}, unauthorized},
		{"tab after Bearer", []string{"Bearer\t" + valid}, unauthorized},
		{"token then a second token", []string{"Bearer " + valid + " " + valid}, unauthorized},
		{"Basic scheme with credentials", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin:admin"))}, unauthorized},
		{"Basic scheme with the token", []string{"Basic " + valid}, unauthorized},
		{"two Authorization headers, both valid", []string{"Bearer " + valid, "Bearer " + valid}, unauthorized},
		{"two Authorization headers, garbage then valid", []string{"Bearer x.y.z", "Bearer " + valid}, unauthorized},
	}
}

// runAttacks sends every case to every route that requires a role. valid
// returns a token that must get past authorization for that role.
func runAttacks(t *testing.T, e *testkit.Env, cases func(t *testing.T, role, session string) []attack, valid func(t *testing.T, role, session string) string) {
	t.Helper()
	routes := 0
	for _, rt := range api.Routes() {
		if rt.Role == "" {
			continue
		}
		routes++
		t.Run(rt.Key(), func(t *testing.T) {
			path := routePath(rt)
			// A client token names the client's current session stamp.
			session, _ := e.Item(t, "CLIENT#"+testkit.JohnID)["tokensValidAfter"].(string)
			before := e.Snapshot(t)
			for _, tc := range cases(t, rt.Role, session) {
				t.Run(tc.name, func(t *testing.T) {
					var hdr []string
					for _, h := range tc.headers {
						hdr = append(hdr, "Authorization", h)
					}
					r := e.Do(t, rt.Method, path, `{"status":"Suspended"}`, append(hdr, "Content-Type", "application/json")...)
					if calls := e.Calls(); len(calls) != 0 {
						t.Errorf("refused request reached DynamoDB: %v", calls)
					}
					checkRefusal(t, r, tc.status)
				})
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("refused requests changed the table:\n%s", d)
			}
			// The control: the same request with a valid token gets past
			// authorization, so the refusals above are the token's doing.
			r := e.Do(t, rt.Method, path, `{"status":"Active"}`, "Authorization", "Bearer "+valid(t, rt.Role, session), "Content-Type", "application/json")
			if r.Status == 401 || r.Status == 403 {
				t.Errorf("a valid %s token was refused: %d %s", rt.Role, r.Status, r.Body)
			}
			// The control may have deleted or re-keyed the client; the next
			// route starts from the seeded clients again.
			if err := localdb.Seed(t.Context(), e.Store, time.Now()); err != nil {
				t.Fatal(err)
			}
			e.Calls()
		})
	}
	if routes == 0 {
		t.Fatal("no route requires a role")
	}
}

var pathParamPattern = regexp.MustCompile(`\{([A-Za-z0-9_]+)\+?\}`)

// routePath fills a route's path parameters: clientId names the seeded
// client, anything else gets a plausible value.
func routePath(rt api.Route) string {
	return pathParamPattern.ReplaceAllStringFunc(rt.Path, func(p string) string {
		if strings.Contains(p, "clientId") {
			return testkit.JohnID
		}
		return "value_1"
	})
}

// checkRefusal checks the status and the contract's error shape.
func checkRefusal(t *testing.T, r testkit.Result, status int) {
	t.Helper()
	var body struct {
		Error      string `json:"error"`
		Message    string `json:"message"`
		StatusCode int    `json:"statusCode"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(r.Body)))
	dec.DisallowUnknownFields()
	if r.Status != status || dec.Decode(&body) != nil || body.StatusCode != status {
		t.Fatalf("got %d %s, want %d in the contract's shape", r.Status, r.Body, status)
	}
	switch status {
	case 401:
		if body.Error != "Unauthorized" || (body.Message != "Invalid token" && body.Message != "Missing bearer token") {
			t.Errorf("401 body %s", r.Body)
		}
	case 403:
		if body.Error != "Forbidden" || body.Message == "" {
			t.Errorf("403 body %s", r.Body)
		}
	}
}

func attackEnv(t *testing.T, opts ...testkit.Option) *testkit.Env {
	t.Helper()
	return testkit.Seeded(t, append([]testkit.Option{func(c *config.Config) { c.Issuer, c.Audience = attackIss, attackAud }}, opts...)...)
}

func TestTokenAttacksHS256(t *testing.T) {
	e := attackEnv(t)
	runAttacks(t, e, hs256Attacks, func(t *testing.T, role, session string) string {
		return testkit.SignJWT(t, jwa.HS256, []byte(testkit.TokenSecret), claimsFor(role, session, time.Now()), nil)
	})
}

func selfSigned(t *testing.T, key *rsa.PrivateKey) *cert.Chain {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "evil"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var chain cert.Chain
	if err := chain.AddString(base64.StdEncoding.EncodeToString(der)); err != nil {
		t.Fatal(err)
	}
	return &chain
}

// jwksAttacks are the cases for JWKS mode: algorithm confusion, kid
// tricks, and headers that name keys the verifier must not use.
func jwksAttacks(t *testing.T, k *testkit.JWKS, role, session string) []attack {
	now := time.Now()
	good := claimsFor(role, session, now)
	attacker := testkit.RSAKey(t)
	evilSet := jwk.NewSet()
	_ = evilSet.AddKey(testkit.PublicJWK(t, attacker, testkit.KidRSANoAlg))
	evil := testkit.ServeKeys(t, evilSet)
	t.Cleanup(func() {
		if n := evil.Requests(); n != 0 {
			t.Errorf("the verifier fetched a URL named by a token %d times", n)
		}
	})
	rsaDER, _ := x509.MarshalPKIXPublicKey(&k.RSA.PublicKey)
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER})
	ecDER, _ := x509.MarshalPKIXPublicKey(&k.EC.PublicKey)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})
	rsaJWK, _ := json.Marshal(testkit.PublicJWK(t, k.RSA, testkit.KidRSANoAlg))
	kid := func(id string) map[string]any { return map[string]any{"kid": id} }
	const unauthorized = http.StatusUnauthorized
	return []attack{
		{"HS256 keyed with the RSA public key PEM", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, rsaPEM, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"HS256 keyed with the RSA public key DER", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, rsaDER, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"HS256 keyed with the RSA public JWK", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, rsaJWK, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"HS256 keyed with the RSA modulus", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, k.RSA.N.Bytes(), good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"HS256 keyed with the EC public key PEM", []string{testkit.Bearer(testkit.SignJWT(t, jwa.HS256, ecPEM, good, kid(testkit.KidEC)))}, unauthorized},
		{"alg none naming a real kid", []string{testkit.Bearer(b64JSON(t, map[string]any{"alg": "none", "kid": testkit.KidRSANoAlg}) + "." + b64JSON(t, good) + ".")}, unauthorized},
		{"RS256 under the EC key's kid", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, good, kid(testkit.KidEC)))}, unauthorized},
		{"ES256 under the RSA key's kid", []string{testkit.Bearer(testkit.SignJWT(t, jwa.ES256, k.EC, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"PS256 with the right RSA key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.PS256, k.RSA, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"RS512 with the right RSA key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS512, k.RSA, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"kid unknown, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, good, kid("rsa-2")))}, unauthorized},
		{"kid missing, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, good, nil))}, unauthorized},
		{"kid with a path", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, kid("../../../../../dev/null")))}, unauthorized},
		{"kid with SQL", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, kid(testkit.KidRSANoAlg+"' OR '1'='1")))}, unauthorized},
		{"kid with a NUL", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, kid(testkit.KidRSANoAlg+"\x00")))}, unauthorized},
		{"another key under the real kid", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"jku naming another key set", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"jku": evil.URL, "kid": testkit.KidRSANoAlg}))}, unauthorized},
		{"x5u naming another key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"x5u": evil.URL, "kid": testkit.KidRSANoAlg}))}, unauthorized},
		{"jwk header with another key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"jwk": testkit.PublicJWK(t, attacker, "")}))}, unauthorized},
		{"jwk header with another key under the real kid", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"jwk": testkit.PublicJWK(t, attacker, testkit.KidRSANoAlg), "kid": testkit.KidRSANoAlg}))}, unauthorized},
		{"x5c header with another key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, attacker, good, map[string]any{"x5c": selfSigned(t, attacker)}))}, unauthorized},
		{"crit with an unknown extension", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, good, map[string]any{"kid": testkit.KidRSANoAlg, "crit": []string{"x-ext"}, "x-ext": 1}))}, unauthorized},
		{"expired, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, with(good, map[string]any{"exp": now.Add(-time.Hour).Unix()}), kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"exp 0, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, with(good, map[string]any{"exp": 0}), kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"exp 0.5, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.ES256, k.EC, with(good, map[string]any{"exp": 0.5}), kid(testkit.KidEC)))}, unauthorized},
		{"bytes after the claims' closing brace, right key", []string{testkit.Bearer(testkit.SignPayload(t, jwa.RS256, k.RSA, trailing(t, with(good, map[string]any{"exp": "9999999999"})), kid(testkit.KidRSANoAlg)))}, unauthorized},
		{"exp twice, the last 0, right key", []string{testkit.Bearer(testkit.SignPayload(t, jwa.ES256, k.EC, duplicateExp(t, good), kid(testkit.KidEC)))}, unauthorized},
		{"wrong aud, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.ES256, k.EC, with(good, map[string]any{"aud": "other"}), kid(testkit.KidEC)))}, unauthorized},
		{"the other role, right key", []string{testkit.Bearer(testkit.SignJWT(t, jwa.RS256, k.RSA, with(good, map[string]any{"role": otherRole(role)}), kid(testkit.KidRSANoAlg)))}, http.StatusForbidden},
		{"signature of another algorithm's key, flipped", []string{testkit.Bearer(flipLast(testkit.SignJWT(t, jwa.ES256, k.EC, good, kid(testkit.KidEC))))}, unauthorized},
	}
}

// trailing is claims as JSON followed by bytes after the closing brace: a
// streaming decoder stops at the brace, a strict one refuses the rest.
func trailing(t *testing.T, claims map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, " junk"...)
}

// duplicateExp is claims with a second "exp" of 0 after the first.
func duplicateExp(t *testing.T, claims map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return append(b[:len(b)-1], `,"exp":0}`...)
}

// flipLast changes one bit of the signature's first byte.
func flipLast(tok string) string {
	p := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(p[2])
	sig[0] ^= 0x80
	return p[0] + "." + p[1] + "." + b64(sig)
}

// jwksOnly verifies every token with the JWKS fixture, client tokens too:
// no HS256 secret at all, which config refuses for a deployment (client
// tokens need CLIENT_JWT_SECRET there), so the client-secret hashing key,
// otherwise derived from that secret, is named explicitly.
func jwksOnly(k *testkit.JWKS) testkit.Option {
	return func(c *config.Config) {
		c.JWTSecret, c.JWKSURL, c.SecretHashKey = "", k.URL, "jwks-only-secret-hash-key-0123456789abcdef"
	}
}

func TestTokenAttacksJWKS(t *testing.T) {
	k := testkit.NewJWKS(t)
	e := attackEnv(t, jwksOnly(k))
	runAttacks(t, e, func(t *testing.T, role, session string) []attack { return jwksAttacks(t, k, role, session) }, func(t *testing.T, role, session string) string {
		if role == auth.RoleClient {
			return testkit.SignJWT(t, jwa.ES256, k.EC, claimsFor(role, session, time.Now()), map[string]any{"kid": testkit.KidEC})
		}
		return testkit.SignJWT(t, jwa.RS256, k.RSA, claimsFor(role, session, time.Now()), map[string]any{"kid": testkit.KidRSANoAlg})
	})
}

// pyjwtScript mints tokens with PyJWT, so that another library's encoding
// of headers, claims and signatures is covered. It reads its parameters as
// JSON on stdin and prints {name: token}.
const pyjwtScript = `
import json, sys, time, jwt
p = json.load(sys.stdin)
now = int(time.time())
secret, role = p["secret"], p["role"]
base = {"sub": "pyjwt", "role": role, "iss": p["iss"], "aud": p["aud"], "iat": now, "exp": now + 3600}
if role == "client":
    base["clientId"] = p["clientId"]
    base["session"] = p["session"]
    base["sub"] = p["clientId"]
def w(**kw):
    c = dict(base); c.update(kw)
    return {k: v for k, v in c.items() if v is not None}
out = {
  "valid": jwt.encode(base, secret, algorithm="HS256"),
  "alg none": jwt.encode(base, None, algorithm="none"),
  "another secret": jwt.encode(base, "x" * 40, algorithm="HS256"),
  "HS512 with the right secret": jwt.encode(base, secret, algorithm="HS512"),
  "expired": jwt.encode(w(exp=now - 600), secret, algorithm="HS256"),
  "exp missing": jwt.encode(w(exp=None), secret, algorithm="HS256"),
  "exp 0": jwt.encode(w(exp=0), secret, algorithm="HS256"),
  "exp 0.5": jwt.encode(w(exp=0.5), secret, algorithm="HS256"),
  "bytes after the claims": jwt.PyJWS().encode(json.dumps(w(exp="9999999999")).encode() + b" junk", secret, algorithm="HS256"),
  "RS256 exp 0": jwt.encode(w(exp=0), p["rsa"], algorithm="RS256", headers={"kid": p["kid"]}),
  "RS256 exp 0.5": jwt.encode(w(exp=0.5), p["rsa"], algorithm="RS256", headers={"kid": p["kid"]}),
  "RS256 bytes after the claims": jwt.PyJWS().encode(json.dumps(w(exp="9999999999")).encode() + b" junk", p["rsa"], algorithm="RS256", headers={"kid": p["kid"]}),
  "nbf in the future": jwt.encode(w(nbf=now + 600), secret, algorithm="HS256"),
  "wrong aud": jwt.encode(w(aud="other"), secret, algorithm="HS256"),
  "aud as a list without ours": jwt.encode(w(aud=["a", "b"]), secret, algorithm="HS256"),
  "wrong iss": jwt.encode(w(iss="https://evil.test"), secret, algorithm="HS256"),
  "crit with an unknown extension": jwt.encode(base, secret, algorithm="HS256", headers={"crit": ["x-ext"], "x-ext": 1}),
  "role capitalised": jwt.encode(w(role=role.capitalize()), secret, algorithm="HS256"),
  "RS256 valid": jwt.encode(base, p["rsa"], algorithm="RS256", headers={"kid": p["kid"]}),
  "RS256 by another key with a jwk header": jwt.encode(base, p["evil"], algorithm="RS256", headers={"kid": p["kid"], "jwk": json.loads(p["evilJWK"])}),
  "RS256 by another key, kid with a path": jwt.encode(base, p["evil"], algorithm="RS256", headers={"kid": "../../../../dev/null"}),
  "RS256 expired": jwt.encode(w(exp=now - 600), p["rsa"], algorithm="RS256", headers={"kid": p["kid"]}),
}
json.dump(out, sys.stdout)
`

// pyjwtPython is the interpreter that has PyJWT on these machines (the
// python3 on PATH is moto's and lacks it).
func pyjwtPython() string {
	if p := os.Getenv("PYJWT_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

func mintPyJWT(t *testing.T, params map[string]string) map[string]string {
	t.Helper()
	py := pyjwtPython()
	if err := exec.Command(py, "-c", "import jwt, cryptography").Run(); err != nil {
		if os.Getenv("REQUIRE_PYJWT") != "" {
			t.Fatalf("REQUIRE_PYJWT is set but %s cannot import jwt and cryptography: %v", py, err)
		}
		t.Skipf("PyJWT is not available in %s (%v): tokens from another library are not covered; set PYJWT_PYTHON", py, err)
	}
	in, _ := json.Marshal(params)
	cmd := exec.Command(py, "-c", pyjwtScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("PyJWT: %v\n%s", err, stderr.String())
	}
	var toks map[string]string
	if err := json.Unmarshal(out, &toks); err != nil {
		t.Fatal(err)
	}
	return toks
}

func pemOf(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestTokenAttacksPyJWT(t *testing.T) {
	k := testkit.NewJWKS(t)
	evil := testkit.RSAKey(t)
	evilJWK, _ := json.Marshal(testkit.PublicJWK(t, evil, testkit.KidRSANoAlg))
	mint := func(t *testing.T, role, session string) map[string]string {
		return mintPyJWT(t, map[string]string{
			"secret": testkit.TokenSecret, "role": role, "session": session, "iss": attackIss, "aud": attackAud, "clientId": testkit.JohnID,
			"rsa": pemOf(t, k.RSA), "kid": testkit.KidRSANoAlg, "evil": pemOf(t, evil), "evilJWK": string(evilJWK),
		})
	}
	// Each mode lists the PyJWT tokens it must refuse and the one it must
	// accept (the control proves PyJWT's output is otherwise understood).
	modes := []struct {
		name    string
		opts    []testkit.Option
		valid   string
		refused []string
	}{
		{"HS256", nil, "valid", []string{
			"alg none", "another secret", "HS512 with the right secret", "expired", "exp missing", "exp 0", "exp 0.5", "bytes after the claims", "nbf in the future",
			"wrong aud", "aud as a list without ours", "wrong iss", "crit with an unknown extension", "role capitalised",
			"RS256 valid", "RS256 by another key with a jwk header",
		}},
		{"JWKS", []testkit.Option{jwksOnly(k)}, "RS256 valid", []string{
			"valid", "alg none", "RS256 by another key with a jwk header", "RS256 by another key, kid with a path", "RS256 expired",
			"RS256 exp 0", "RS256 exp 0.5", "RS256 bytes after the claims",
			"crit with an unknown extension",
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := attackEnv(t, m.opts...)
			cache := map[string]map[string]string{}
			tokens := func(t *testing.T, role, session string) map[string]string {
				if cache[role+session] == nil {
					cache[role+session] = mint(t, role, session)
				}
				return cache[role+session]
			}
			runAttacks(t, e, func(t *testing.T, role, session string) []attack {
				toks := tokens(t, role, session)
				var cases []attack
				for _, name := range m.refused {
					status := http.StatusUnauthorized
					if name == "role capitalised" {
						status = http.StatusForbidden
					}
					cases = append(cases, attack{"PyJWT " + name, []string{testkit.Bearer(toks[name])}, status})
				}
				return cases
			}, func(t *testing.T, role, session string) string { return tokens(t, role, session)[m.valid] })
		})
	}
}
