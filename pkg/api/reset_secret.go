package api

import (
	"context"
	"net/http"

	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

type resetResponse struct {
	Message string `json:"message"`
	Client  struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	} `json:"client"`
}

// resetSecret serves POST /admin/clients/{clientId}/reset-secret: one
// conditional UpdateItem stores the new hash and revokes older tokens. An
// If-Match header is honoured in the same UpdateItem's condition.
func (h *Handler) resetSecret(ctx context.Context, req *Request, o *outcome) Response {
	id := o.clientID
	version, err := preconditions(req)
	if err != nil {
		return o.fail(err)
	}
	s := passhash.Generate()
	hash, err := h.Secrets.Hash(s)
	if err != nil {
		return o.fail(err)
	}
	if err := h.Clients.ResetSecret(ctx, id, hash, client.Write{By: o.sub, IfVersion: version, Origin: origin(req, o, client.ActionResetSecret)}); err != nil {
		return o.fail(err)
	}
	h.audit(ctx, req, o, []string{"clientSecret"})
	var r resetResponse
	r.Message, r.Client.ClientID, r.Client.ClientSecret = "Client secret reset successfully", id, s
	return jsonResponse(http.StatusOK, r, map[string]string{"Cache-Control": "no-store"})
}
