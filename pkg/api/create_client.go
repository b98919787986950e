package api

import (
	"context"
	"net/http"

	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

type createResponse struct {
	Message string     `json:"message"`
	Client  clientView `json:"client"`
}

// createClient serves POST /admin/clients: one TransactWriteItems writes
// the client and its email and Twilio number locks.
func (h *Handler) createClient(ctx context.Context, req *Request, o *outcome) Response {
	body, err := jsonBody(req)
	if err != nil {
		return o.fail(err)
	}
	cr, err := decodeCreate(body)
	if err == nil {
		err = h.Rules.CheckCreate(&cr)
	}
	if err != nil {
		return o.fail(err)
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
		return o.fail(err)
	}
	c := cr.Client(h.now(), o.sub)
	if err := h.Clients.Create(ctx, c, hash, origin(req, o, client.ActionCreate)); err != nil {
		return o.fail(err)
	}
	h.audit(ctx, req, o, append(cr.Fields.FieldNames(), "clientId", "clientSecret"))
	v := viewOf(c)
	v.UpdatedBy, v.ClientSecret = "", cr.Secret
	return jsonResponse(http.StatusCreated, createResponse{Message: "Client created successfully", Client: v},
		map[string]string{"ETag": etag(c.Version), "Cache-Control": "no-store"})
}
