package api

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/client"
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

// jsonBody returns the request body, refusing a declared media type other
// than JSON (415) and bodies over client.MaxBodyBytes (413).
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
// encoded it, refusing bodies over client.MaxBodyBytes (413).
func rawBody(req *Request) ([]byte, error) {
	tooLarge := &statusError{status: http.StatusRequestEntityTooLarge, details: fmt.Sprintf("Request body must not exceed %d bytes", client.MaxBodyBytes)}
	if !req.IsBase64Encoded {
		if len(req.Body) > client.MaxBodyBytes {
			return nil, tooLarge
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > client.MaxBodyBytes+2 {
		return nil, tooLarge
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, &client.ValidationError{Message: "Request body must be valid JSON"}
	}
	if len(b) > client.MaxBodyBytes {
		return nil, tooLarge
	}
	return b, nil
}
