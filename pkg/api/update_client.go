package api

import (
	"context"
	"net/http"

	"github.com/outbound-caller/admin-api/pkg/client"
)

type updateResponse struct {
	Message string        `json:"message"`
	Client  updatedClient `json:"client"`
}

type updatedClient struct {
	ClientID  string        `json:"clientId"`
	Status    client.Status `json:"status"`
	UpdatedAt string        `json:"updatedAt"`
}

// updateClient serves PUT /admin/clients/{clientId}. Every check that needs
// no I/O (token, path, body) runs before the store is called.
func (h *Handler) updateClient(ctx context.Context, req *Request, o *outcome) Response {
	id := o.clientID
	body, err := jsonBody(req)
	if err != nil {
		return o.fail(err)
	}
	u, err := decodeUpdate(body, false)
	if err == nil {
		err = h.Rules.CheckUpdate(u)
	}
	if err != nil {
		return o.fail(err)
	}
	version, err := preconditions(req)
	if err != nil {
		return o.fail(err)
	}
	c, err := h.Clients.Update(ctx, id, u, client.Write{By: o.sub, IfVersion: version, Origin: origin(req, o, client.ActionUpdate)})
	if err != nil {
		return o.fail(err)
	}
	h.audit(ctx, req, o, u.FieldNames())
	return updated(c)
}

// updated is the success response of every update route.
func updated(c client.Client) Response {
	return jsonResponse(http.StatusOK, updateResponse{
		Message: "Client updated successfully",
		Client:  updatedClient{ClientID: c.ClientID, Status: c.Status, UpdatedAt: client.FormatTime(c.UpdatedAt)},
	}, map[string]string{"ETag": etag(c.Version)})
}
