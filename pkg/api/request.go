package api

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Request is the event a route handler receives.
type Request = events.APIGatewayV2HTTPRequest

// header returns a request header. API Gateway lower-cases names in payload
// 2.0; the lookup tolerates other spellings from hand-written events.
func header(req *Request, name string) string {
	if v, ok := req.Headers[name]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// maxBodyBytes is the largest request body the API reads.
const maxBodyBytes = 64 << 10

// jsonBody returns the request body, refusing a declared media type other
// than JSON (415) and bodies over maxBodyBytes (413).
func jsonBody(req *Request) ([]byte, error) {
	if ct := header(req, "content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
			return nil, &statusError{status: http.StatusUnsupportedMediaType, details: "Content-Type must be application/json"}
		}
	}
	return rawBody(req)
}

// rawBody returns the request body, decoded from base64 when API Gateway
// encoded it, refusing bodies over maxBodyBytes (413).
func rawBody(req *Request) ([]byte, error) {
	tooLarge := &statusError{status: http.StatusRequestEntityTooLarge, details: fmt.Sprintf("Request body must not exceed %d bytes", maxBodyBytes)}
	if !req.IsBase64Encoded {
		if len(req.Body) > maxBodyBytes {
			return nil, tooLarge
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > maxBodyBytes+2 {
		return nil, tooLarge
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, &client.ValidationError{Message: "Request body must be valid JSON"}
	}
	if len(b) > maxBodyBytes {
		return nil, tooLarge
	}
	return b, nil
}

// preconditions reads a write's If-Match and If-None-Match headers into
// the version the write requires (0: none; client.NoVersion: none may
// exist).
//
// If-None-Match: * asks for the write only when the client has no current
// version; every write here changes a client that exists, so it is a 412
// when the client exists (and a 404 when it does not), decided in the
// write's own condition as a stale If-Match is. If-None-Match with tags is
// ignored: it is a cache's header, and no write here creates anything.
func preconditions(req *Request) (int64, error) {
	version, err := ifMatch(header(req, "if-match"))
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(header(req, "if-none-match")) == "*" {
		return client.NoVersion, nil
	}
	return version, nil
}

// ifMatch reads an If-Match header into the version a write requires (0:
// none). Accepted: "n" as the ETag shows it, a bare n, and "*" (any
// current version, which an update requires anyway). The comparison is
// strong (RFC 9110 §8.8.3.2): a tag matches only when it is the very tag
// the ETag shows, so a weak tag W/"n", "0" (versions start at 1) and
// another spelling of a number ("01") match no version: each is a 412
// without I/O. Anything else, including lists of tags, is a 400.
func ifMatch(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "*" {
		return 0, nil
	}
	if strings.HasPrefix(v, "W/") {
		return 0, client.ErrPreconditionFailed
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil || n < 0 || strings.HasPrefix(v, "+"):
		// A header, not a field of the request's data: no Field.
		return 0, &client.ValidationError{Message: `If-Match must be an ETag such as "3"`}
	case n == 0 || v != strconv.FormatInt(n, 10):
		return 0, client.ErrPreconditionFailed
	}
	return n, nil
}
