// Package auth verifies and issues the JWTs that guard the API. A Verifier is
// built once per process (keys parsed, JWKS cached) and is cheap per request.
package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Roles carried in the "role" claim.
const (
	RoleAdmin  = "admin"
	RoleClient = "client"
)

// Errors returned by BearerToken, Verifier and Keyring. The API maps them
// to 401 and 403.
var (
	ErrMissingToken = errors.New("missing bearer token")
	ErrInvalidToken = errors.New("invalid token")
	ErrForbidden    = errors.New("role not allowed")
	// ErrExpiredToken is an ErrInvalidToken whose signature checked out
	// but whose exp has passed: the one reason a caller is told (RFC
	// 6750's error_description), since renewing is what it must do.
	ErrExpiredToken = fmt.Errorf("%w: expired", ErrInvalidToken)
)

// MinSecretBytes is the shortest HS256 secret accepted (RFC 7518 §3.2).
const MinSecretBytes = 32

// maxTokenBytes bounds the work an attacker can make the parser do.
const maxTokenBytes = 8 << 10

// Config selects how tokens are verified. Exactly one of Secret and JWKSURL
// is set.
type Config struct {
	Secret   []byte // HS256 shared secret
	JWKSURL  string // RS256/ES256 keys of an identity provider
	Issuer   string // enforced when set
	Audience string // enforced when set
	Skew     time.Duration
	// HTTPClient fetches the JWKS; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Claims are the verified claims the API uses.
type Claims struct {
	Subject  string
	Role     string
	ClientID string
	IssuedAt time.Time
	// Session is the client's tokensValidAfter stamp the token was issued
	// under (client tokens only); the token is valid while it is current.
	Session string
	// Scopes are what the token grants on admin routes (the router checks
	// each route's scope against them).
	Scopes Scopes
}

// SessionClaim is the private claim that carries Claims.Session.
const SessionClaim = "session"

// Verifier checks bearer tokens.
type Verifier struct {
	keys         jws.KeyProvider
	validateOpts []jwt.ValidateOption
	// verified remembers tokens whose HS256 signature checked out, so that
	// a warm function does not parse and verify the same admin token on
	// every request. Nil in JWKS mode, where a key may leave the set.
	verified *tokenCache
}

// NewVerifier builds a Verifier. In JWKS mode it fetches the key set once
// now, so that a misconfiguration fails at cold start, and caches it.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	var kp jws.KeyProvider
	switch {
	case len(cfg.Secret) > 0 && cfg.JWKSURL != "":
		return nil, errors.New("auth: set either a secret or a JWKS URL, not both")
	case len(cfg.Secret) > 0:
		if len(cfg.Secret) < MinSecretBytes {
			return nil, fmt.Errorf("auth: HS256 secret must be at least %d bytes", MinSecretBytes)
		}
		kp = hmacKeys{secret: cfg.Secret}
	case cfg.JWKSURL != "":
		set, err := cachedJWKS(ctx, cfg.JWKSURL, cfg.HTTPClient)
		if err != nil {
			return nil, err
		}
		kp = jwksKeys{set: set}
	default:
		return nil, errors.New("auth: no verification key configured")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	vopts := []jwt.ValidateOption{
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithValidator(expiresAfterEpoch),
		jwt.WithAcceptableSkew(cfg.Skew),
		jwt.WithClock(jwt.ClockFunc(now)),
	}
	if cfg.Issuer != "" {
		vopts = append(vopts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		vopts = append(vopts, jwt.WithAudience(cfg.Audience))
	}
	v := &Verifier{keys: kp, validateOpts: vopts}
	if len(cfg.Secret) > 0 {
		v.verified = &tokenCache{tokens: map[string]cached{}}
	}
	return v, nil
}

func cachedJWKS(ctx context.Context, url string, hc *http.Client) (jwk.Set, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	cache := jwk.NewCache(ctx)
	if err := cache.Register(url, jwk.WithHTTPClient(hc), jwk.WithMinRefreshInterval(15*time.Minute)); err != nil {
		return nil, fmt.Errorf("auth: register JWKS: %w", err)
	}
	if _, err := cache.Refresh(ctx, url); err != nil {
		return nil, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	return jwk.NewCachedSet(cache, url), nil
}

// BearerToken extracts the token from an Authorization header value. The
// scheme is matched exactly ("Bearer", one space) and the token must look
// like a compact JWS: three non-empty base64url segments joined by dots
// (JWEs, with five, and anything with other characters are refused before
// parsing).
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrMissingToken
	}
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || len(tok) > maxTokenBytes || !compactJWS(tok) {
		return "", ErrInvalidToken
	}
	return tok, nil
}

// compactJWS reports whether tok is three non-empty segments of base64url
// characters ([A-Za-z0-9_-]) joined by two dots. It is what the regular
// expression ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ accepts, as
// a byte loop: the expression cost 33-40k instructions a request, more
// than a tenth of the handler's own work (issue 16).
func compactJWS(tok string) bool {
	dots, segment := 0, 0 // dots seen; length of the current segment
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			segment++
		case c == '.' && segment > 0 && dots < 2:
			dots, segment = dots+1, 0
		default:
			return false
		}
	}
	return dots == 2 && segment > 0
}

// Verify checks a token's signature and registered claims and returns its
// claims. Every failure is ErrInvalidToken: the reason is not for the caller.
//
// The claims segment is read once, strictly (parseClaims), and that one
// view is what jwx validates and what the caller gets; jwx only checks the
// signature, and the payload it verified must be byte for byte the one
// parsed.
func (v *Verifier) Verify(token string) (Claims, error) {
	if e, ok := v.verified.get(token); ok {
		// The signature of these exact bytes was checked with the same
		// secret; the time claims are checked again, as on a first sight.
		if err := jwt.Validate(e.tok, v.validateOpts...); err != nil {
			return Claims{}, validationError(err)
		}
		return e.claims, nil
	}
	raw, err := payloadSegment(token)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	cs, err := parseClaims(raw)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	signed, err := jws.Verify([]byte(token), jws.WithKeyProvider(v.keys))
	if err != nil || !bytes.Equal(signed, raw) {
		return Claims{}, ErrInvalidToken
	}
	tok, err := cs.token()
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	if err := jwt.Validate(tok, v.validateOpts...); err != nil {
		return Claims{}, validationError(err)
	}
	e := cached{tok: tok, claims: cs.claims()}
	v.verified.put(token, e)
	return e.claims, nil
}

// validationError is the error of a signed token whose claims failed
// validation: ErrExpiredToken when exp has passed, else ErrInvalidToken.
func validationError(err error) error {
	if errors.Is(err, jwt.ErrTokenExpired()) {
		return ErrExpiredToken
	}
	return ErrInvalidToken
}

// maxCachedTokens bounds the cache; when full it starts again empty. Only
// tokens with a valid signature enter it, so callers without the secret
// cannot fill it.
const maxCachedTokens = 256

// tokenCache maps a token's exact text to its verified, parsed form.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cached
}

// cached is a verified token: the view jwx validates and the claims.
type cached struct {
	tok    jwt.Token
	claims Claims
}

func (c *tokenCache) get(token string) (cached, bool) {
	if c == nil {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[token]
	return t, ok
}

func (c *tokenCache) put(token string, t cached) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) >= maxCachedTokens {
		clear(c.tokens)
	}
	c.tokens[token] = t
}

// hmacKeys offers the shared secret for HS256 only.
type hmacKeys struct{ secret []byte }

func (k hmacKeys) FetchKeys(_ context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
	if err := checkHeaders(sig, jwa.HS256); err != nil {
		return err
	}
	sink.Key(jwa.HS256, k.secret)
	return nil
}

// jwksKeys offers the key named by "kid", for RS256 with an RSA key or
// ES256 with an EC key only: the algorithm is pinned by key type, never
// taken on the token's word alone.
type jwksKeys struct{ set jwk.Set }

func (k jwksKeys) FetchKeys(_ context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
	h := sig.ProtectedHeaders()
	if err := checkHeaders(sig, jwa.RS256, jwa.ES256); err != nil {
		return err
	}
	key, ok := k.set.LookupKeyID(h.KeyID())
	if !ok || h.KeyID() == "" {
		return errors.New("unknown key id")
	}
	if u := key.KeyUsage(); u != "" && u != jwk.ForSignature.String() {
		return errors.New("key not for signatures")
	}
	alg := h.Algorithm()
	switch {
	case alg == jwa.RS256 && key.KeyType() == jwa.RSA:
	case alg == jwa.ES256 && key.KeyType() == jwa.EC:
	default:
		return errors.New("algorithm does not match key")
	}
	if ka := key.Algorithm().String(); ka != "" && ka != alg.String() {
		return errors.New("algorithm does not match key")
	}
	sink.Key(alg, key)
	return nil
}

// checkHeaders refuses algorithms outside the allowed list, any critical
// extension (we understand none, RFC 7515 §4.1.11) and a content type: "cty"
// marks a nested JWT (RFC 7519 §5.2), which jwx would unwrap, and our
// tokens are never nested.
func checkHeaders(sig *jws.Signature, allowed ...jwa.SignatureAlgorithm) error {
	h := sig.ProtectedHeaders()
	if len(h.Critical()) > 0 {
		return errors.New("unsupported critical header")
	}
	if h.ContentType() != "" {
		return errors.New("nested or typed content not accepted")
	}
	for _, a := range allowed {
		if h.Algorithm() == a {
			return nil
		}
	}
	return errors.New("algorithm not allowed")
}
