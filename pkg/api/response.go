// Package api is the API Gateway edge: it reads HTTP API (payload 2.0)
// events, runs the route handlers, and writes every response, mapping
// domain errors to the contract's status codes and JSON bodies.
package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// Response is what a route handler produces.
type Response = events.APIGatewayV2HTTPResponse

// errorBody is the contract's error shape. Field order matches the seed.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"`
	// Field names the one request field the error is about: a body field
	// by its JSON path ("clientMeta.email"), a query parameter by its
	// name. Errors about the body as a whole, several fields or a header
	// carry none.
	Field string `json:"field,omitempty"`
	// RequiredFields lists what a request left out (create).
	RequiredFields []string `json:"requiredFields,omitempty"`
	StatusCode     int      `json:"statusCode"`
}

// jsonResponse encodes v. Encoding our own types cannot fail; if it ever
// does, the caller still gets a well-formed 500.
func jsonResponse(status int, v any, headers map[string]string) Response {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal error","statusCode":500}`)
	}
	h := make(map[string]string, len(headers)+2) // and Cache-Control (uncached)
	h["Content-Type"] = "application/json"
	for k, val := range headers {
		h[k] = val
	}
	return Response{StatusCode: status, Headers: h, Body: string(b)}
}

// operation is the error wording of one route, written once in its
// entry of the route table (routes.go): "Invalid update data" for rejected
// input, "Failed to update client" for refused writes.
type operation struct {
	invalid string
	failed  string
	// missing heads a 400 listing absent required fields.
	missing string
	// conflict, when set, heads every 409 and its details name the field
	// that is taken (the create route's shape).
	conflict string
	// denied is the 401 error of a refused sign-in.
	denied string
	// role is the token role the route requires (its entry's Role, set by
	// the router); it words the 403.
	role string
}

// statusError is an HTTP-level refusal that is not a domain error (body too
// large, wrong media type).
type statusError struct {
	status  int
	details string
}

func (e *statusError) Error() string { return e.details }

// missingScope refuses an admin token that does not grant the route's
// scope.
type missingScope struct{ scope string }

func (e *missingScope) Error() string { return "missing scope " + e.scope }

// errInvalidCredentials is a refused sign-in: one answer for every reason.
var errInvalidCredentials = errors.New("invalid credentials")

// lockedOut refuses a sign-in attempt for an account and source address
// after too many failures (client.MaxFailedAttempts), for retryAfter.
type lockedOut struct{ retryAfter time.Duration }

func (e *lockedOut) Error() string { return "too many failed attempts" }

// retryAfterSeconds is a Retry-After value (RFC 9110 §10.2.3): whole
// seconds, rounded up so that a client waiting that long finds the lock
// gone.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// forbidden words the 403 for the role a route requires.
func (op operation) forbidden() string {
	if op.role == auth.RoleClient {
		return "Client access required"
	}
	return "Admin access required"
}

// conflicts are the 409s: what is taken, the field it is (field), the
// create route's bare name for it (name), and the other routes' sentence
// (details; a taken id happens only on create).
var conflicts = []struct {
	err                  error
	field, name, details string
}{
	{client.ErrIDTaken, "clientId", "clientId", ""},
	{client.ErrEmailTaken, client.EmailField.Path, "email", "Email is already in use by another client"},
	{client.ErrPhoneTaken, client.TwilioPhoneNumberField.Path, "twilioPhoneNumber", "Twilio phone number is already assigned to another client"},
}

// errorResponse is the one place a failure becomes a status and a body.
// Unknown errors become a 500 that says nothing about their cause.
func (op operation) errorResponse(err error) Response {
	var ve *client.ValidationError
	var se *statusError
	var me *client.MissingError
	var lo *lockedOut
	var ms *missingScope
	for _, c := range conflicts {
		if !errors.Is(err, c.err) {
			continue
		}
		if op.conflict != "" {
			return jsonResponse(http.StatusConflict, errorBody{Error: op.conflict, Details: c.name, Field: c.field, StatusCode: 409}, nil)
		}
		if c.details != "" {
			return jsonResponse(http.StatusConflict, errorBody{Error: op.failed, Details: c.details, Field: c.field, StatusCode: 409}, nil)
		}
	}
	switch {
	case errors.As(err, &me):
		return jsonResponse(http.StatusBadRequest, errorBody{Error: op.missing, RequiredFields: me.Fields, StatusCode: 400}, nil)
	case errors.Is(err, auth.ErrMissingToken):
		return jsonResponse(http.StatusUnauthorized, errorBody{Error: "Unauthorized", Message: "Missing bearer token", StatusCode: 401},
			map[string]string{"WWW-Authenticate": tokenRefusal(err).challenge()})
	case errors.Is(err, auth.ErrInvalidToken), errors.Is(err, client.ErrSessionRevoked):
		return jsonResponse(http.StatusUnauthorized, errorBody{Error: "Unauthorized", Message: "Invalid token", StatusCode: 401},
			map[string]string{"WWW-Authenticate": tokenRefusal(err).challenge()})
	case errors.Is(err, auth.ErrForbidden):
		return jsonResponse(http.StatusForbidden, errorBody{Error: "Forbidden", Message: op.forbidden(), StatusCode: 403}, nil)
	case errors.As(err, &ms):
		return jsonResponse(http.StatusForbidden, errorBody{Error: "Forbidden", Message: "Missing scope: " + ms.scope, StatusCode: 403}, nil)
	case errors.Is(err, errInvalidCredentials):
		return jsonResponse(http.StatusUnauthorized, errorBody{Error: op.denied, StatusCode: 401}, nil)
	case errors.As(err, &lo):
		return jsonResponse(http.StatusTooManyRequests, errorBody{Error: "Too many failed attempts", StatusCode: 429},
			map[string]string{"Retry-After": retryAfterSeconds(lo.retryAfter)})
	case errors.As(err, &ve):
		return jsonResponse(http.StatusBadRequest, errorBody{Error: op.invalid, Details: ve.Message, Field: ve.Field, StatusCode: 400}, nil)
	case errors.As(err, &se):
		return jsonResponse(se.status, errorBody{Error: op.invalid, Details: se.details, StatusCode: se.status}, nil)
	case errors.Is(err, client.ErrNotFound):
		return jsonResponse(http.StatusNotFound, errorBody{Error: "Client not found", StatusCode: 404}, nil)
	case errors.Is(err, client.ErrPreconditionFailed):
		return jsonResponse(http.StatusPreconditionFailed, errorBody{Error: "Precondition Failed", Message: "Client was modified by another request", StatusCode: 412}, nil)
	case errors.Is(err, client.ErrUnavailable), errors.Is(err, client.ErrConflict):
		return jsonResponse(http.StatusServiceUnavailable,
			errorBody{Error: op.failed, Details: "Service temporarily unavailable, retry shortly", StatusCode: 503},
			map[string]string{"Retry-After": "1"})
	default:
		return jsonResponse(http.StatusInternalServerError, errorBody{Error: op.failed, Details: "Internal error", StatusCode: 500}, nil)
	}
}

// refusedToken is why a bearer token was refused, as the request's log
// line records it ("" when err is not a refused token).
type refusedToken string

// tokenRefusal reads err as a refused bearer token.
func tokenRefusal(err error) refusedToken {
	switch {
	case errors.Is(err, auth.ErrMissingToken):
		return "missing"
	case errors.Is(err, auth.ErrExpiredToken):
		return "expired"
	case errors.Is(err, client.ErrSessionRevoked):
		return "revoked"
	case errors.Is(err, auth.ErrInvalidToken):
		return "invalid"
	}
	return ""
}

// challenge is the WWW-Authenticate value of a 401 (RFC 6750 §3): no
// error code when the request sent no token (§3.1), invalid_token with a
// description of the reason otherwise. The body stays the original's;
// the header is what a client library reads to decide to renew a token.
func (r refusedToken) challenge() string {
	switch r {
	case "missing":
		return "Bearer"
	case "expired":
		return `Bearer error="invalid_token", error_description="The access token expired"`
	case "revoked":
		return `Bearer error="invalid_token", error_description="The access token was revoked"`
	default:
		return `Bearer error="invalid_token", error_description="The access token is invalid"`
	}
}
