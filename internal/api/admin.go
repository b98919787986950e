package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outbound-caller/admin-api/internal/auth"
	"github.com/outbound-caller/admin-api/internal/client"
	"github.com/outbound-caller/admin-api/internal/passhash"
)

// clientView is a client as the API shows it. The secret appears only in
// the create response; its hash and the token stamp never.
type clientView struct {
	ClientID          string        `json:"clientId"`
	Status            client.Status `json:"status"`
	AgentID           string        `json:"agentId"`
	TwilioPhoneNumber string        `json:"twilioPhoneNumber"`
	ClientMeta        client.Meta   `json:"clientMeta"`
	CreatedAt         string        `json:"createdAt"`
	UpdatedAt         string        `json:"updatedAt"`
	UpdatedBy         string        `json:"updatedBy,omitempty"`
	ClientSecret      string        `json:"clientSecret,omitempty"`
}

func viewOf(c client.Client) clientView {
	return clientView{
		ClientID: c.ClientID, Status: c.Status, AgentID: c.AgentID, TwilioPhoneNumber: c.TwilioPhoneNumber,
		ClientMeta: c.Meta, CreatedAt: client.FormatTime(c.CreatedAt), UpdatedAt: client.FormatTime(c.UpdatedAt),
		UpdatedBy: c.UpdatedBy,
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// adminOn checks the admin token and, when the route has one, that the
// path's clientId could exist (else ErrNotFound, without a lookup).
func (h *Handler) adminOn(req *Request, o *outcome, withID bool) (string, error) {
	claims, err := h.Auth.Authorize(header(req, "authorization"), auth.RoleAdmin)
	o.sub = claims.Subject
	if err != nil {
		return "", err
	}
	if !withID {
		return "", nil
	}
	id := req.PathParameters["clientId"]
	if !client.ValidID(id) {
		return "", client.ErrNotFound
	}
	o.clientID = id
	return id, nil
}

// audit writes the one audit line of a successful admin write: who, which
// client, which route and the names of the fields changed — never values.
func (h *Handler) audit(ctx context.Context, req *Request, o *outcome, fields []string) {
	if fields == nil {
		fields = []string{}
	}
	h.Log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("requestId", req.RequestContext.RequestID),
		slog.String("route", req.RouteKey),
		slog.String("sub", o.sub),
		slog.String("clientId", o.clientID),
		slog.Any("fields", fields),
	)
}

// ifMatch reads an If-Match header into the version a write requires (0:
// none). Accepted: "n" as the ETag shows it, a bare n, and "*" (any
// current version, which an update requires anyway). A weak tag W/"n"
// never matches under If-Match's strong comparison (RFC 9110 §13.1.1), nor
// does "0" (versions start at 1): both are 412 without I/O. Anything else,
// including lists of tags, is a 400.
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
		return 0, &client.ValidationError{Field: "If-Match", Message: `If-Match must be an ETag such as "3"`}
	case n == 0:
		return 0, client.ErrPreconditionFailed
	}
	return n, nil
}

type createResponse struct {
	Message string     `json:"message"`
	Client  clientView `json:"client"`
}

// CreateClient serves POST /admin/clients: one TransactWriteItems writes
// the client and its email and Twilio number locks.
func (h *Handler) CreateClient(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		if _, err := h.adminOn(&req, o, false); err != nil {
			return o.fail(createOp, err)
		}
		body, err := jsonBody(&req)
		if err != nil {
			return o.fail(createOp, err)
		}
		cr, err := h.Rules.DecodeCreate(body)
		if err != nil {
			return o.fail(createOp, err)
		}
		if cr.ClientID == "" {
			cr.ClientID = client.NewID()
		}
		if cr.Secret == "" {
			cr.Secret = passhash.Generate()
		}
		o.clientID = cr.ClientID
		hash, err := h.Secrets.Hash(cr.Secret)
		if err != nil {
			return o.fail(createOp, err)
		}
		c := cr.Client(h.now(), o.sub)
		if err := h.Clients.Create(ctx, c, hash); err != nil {
			return o.fail(createOp, err)
		}
		h.audit(ctx, &req, o, append(cr.Fields.FieldNames(), "clientId", "clientSecret"))
		v := viewOf(c)
		v.UpdatedBy, v.ClientSecret = "", cr.Secret
		return jsonResponse(http.StatusCreated, createResponse{Message: "Client created successfully", Client: v},
			map[string]string{"ETag": etag(c.Version), "Cache-Control": "no-store"})
	})
}

// GetClient serves GET /admin/clients/{clientId}: one GetItem.
func (h *Handler) GetClient(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		id, err := h.adminOn(&req, o, true)
		if err != nil {
			return o.fail(getOp, err)
		}
		c, err := h.Clients.Get(ctx, id)
		if err != nil {
			return o.fail(getOp, err)
		}
		return jsonResponse(http.StatusOK, viewOf(c), map[string]string{"ETag": etag(c.Version)})
	})
}

type messageResponse struct {
	Message string `json:"message"`
}

// DeleteClient serves DELETE /admin/clients/{clientId}: one read, then one
// transaction removing the client and its locks.
func (h *Handler) DeleteClient(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		id, err := h.adminOn(&req, o, true)
		if err != nil {
			return o.fail(deleteOp, err)
		}
		if err := h.Clients.Delete(ctx, id); err != nil {
			return o.fail(deleteOp, err)
		}
		h.audit(ctx, &req, o, nil)
		return jsonResponse(http.StatusOK, messageResponse{Message: "Client deleted successfully"}, nil)
	})
}

type resetResponse struct {
	Message string `json:"message"`
	Client  struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	} `json:"client"`
}

// ResetSecret serves POST /admin/clients/{clientId}/reset-secret: one
// conditional UpdateItem stores the new hash and revokes older tokens.
func (h *Handler) ResetSecret(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		id, err := h.adminOn(&req, o, true)
		if err != nil {
			return o.fail(resetOp, err)
		}
		s := passhash.Generate()
		hash, err := h.Secrets.Hash(s)
		if err != nil {
			return o.fail(resetOp, err)
		}
		if err := h.Clients.ResetSecret(ctx, id, hash, client.Write{By: o.sub}); err != nil {
			return o.fail(resetOp, err)
		}
		h.audit(ctx, &req, o, []string{"clientSecret"})
		var r resetResponse
		r.Message, r.Client.ClientID, r.Client.ClientSecret = "Client secret reset successfully", id, s
		return jsonResponse(http.StatusOK, r, map[string]string{"Cache-Control": "no-store"})
	})
}
