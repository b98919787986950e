package api

import (
	"context"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// oauthError is an error response of the token endpoint (RFC 6749 §5.2).
type oauthError struct {
	status      int
	code        string
	description string
	basic       bool // the client authenticated with HTTP Basic
	retryAfter  time.Duration
}

type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (e *oauthError) response() Response {
	h := map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"}
	if e.basic && e.status == http.StatusUnauthorized {
		// RFC 6749 §5.2: a client that tried the Authorization header is
		// told which scheme to use.
		h["WWW-Authenticate"] = `Basic realm="token", charset="UTF-8"`
	}
	switch e.status {
	case http.StatusServiceUnavailable:
		h["Retry-After"] = "1"
	case http.StatusTooManyRequests:
		h["Retry-After"] = retryAfterSeconds(e.retryAfter)
	}
	return jsonResponse(e.status, oauthErrorBody{Error: e.code, Description: e.description}, h)
}

func invalidRequest(description string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: description}
}

// oauthToken serves POST /auth/token: the OAuth 2.0 client credentials
// grant (RFC 6749 §4.4), so that standard OAuth libraries can sign in. It
// issues the same token as POST /auth/login.
func (h *Handler) oauthToken(ctx context.Context, req *Request, o *outcome) Response {
	id, secret, basic, oerr := tokenRequest(req)
	if oerr != nil {
		return oerr.response()
	}
	c, tok, err := h.signInClient(ctx, id, secret, sourceIP(req))
	var lo *lockedOut
	switch {
	case errors.As(err, &lo):
		// RFC 6749 §5.2 defines no code for this; invalid_client is the
		// code of a refused client authentication, and 429 with
		// Retry-After (RFC 6585 §4) tells the caller when to try again.
		return (&oauthError{status: http.StatusTooManyRequests, code: "invalid_client",
			description: "Too many failed attempts", retryAfter: lo.retryAfter}).response()
	case errors.Is(err, errInvalidCredentials):
		return (&oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "Client authentication failed", basic: basic}).response()
	case errors.Is(err, client.ErrUnavailable):
		o.err = err
		return (&oauthError{status: http.StatusServiceUnavailable, code: "temporarily_unavailable",
			description: "Service temporarily unavailable, retry shortly"}).response()
	case err != nil:
		o.err = err
		return (&oauthError{status: http.StatusInternalServerError, code: "server_error", description: "Internal error"}).response()
	}
	o.clientID = c.ClientID
	return jsonResponse(http.StatusOK, tokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(h.SignIn.ClientTTL.Seconds()),
	}, noStore)
}

// tokenRequest checks a token request without I/O and returns the client
// credentials it carries, from HTTP Basic (RFC 6749 §2.3.1: id and secret
// form-url-encoded, then base64) or from the form, never both.
func tokenRequest(req *Request) (id, secret string, basic bool, _ *oauthError) {
	mt, _, err := mime.ParseMediaType(header(req, "content-type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return "", "", false, invalidRequest("Content-Type must be application/x-www-form-urlencoded")
	}
	body, err := rawBody(req)
	if err != nil {
		return "", "", false, invalidRequest(err.Error())
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "", false, invalidRequest("Malformed form body")
	}
	for k, v := range form {
		if len(v) > 1 { // §3.2: parameters must not be repeated
			return "", "", false, invalidRequest("Parameter " + k + " is repeated")
		}
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return "", "", false, invalidRequest("grant_type is required")
	case gt != "client_credentials":
		return "", "", false, &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type",
			description: "Only grant_type=client_credentials is supported"}
	}
	if form.Get("scope") != "" {
		return "", "", false, &oauthError{status: http.StatusBadRequest, code: "invalid_scope",
			description: "This server defines no scopes"}
	}
	formID, formSecret := form.Get("client_id"), form.Get("client_secret")
	scheme, cred, _ := strings.Cut(header(req, "authorization"), " ")
	if !strings.EqualFold(scheme, "Basic") {
		if formID == "" || formSecret == "" {
			return "", "", false, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
				description: "Client authentication is required"}
		}
		return formID, formSecret, false, nil
	}
	if formID != "" || formSecret != "" {
		return "", "", true, invalidRequest("Use one client authentication method: HTTP Basic or form fields, not both")
	}
	failed := &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
		description: "Malformed Basic credentials", basic: true}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", true, failed
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if !ok || err1 != nil || err2 != nil || id == "" || secret == "" {
		return "", "", true, failed
	}
	return id, secret, true, nil
}
