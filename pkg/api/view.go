package api

import (
	"strconv"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// clientView is a client as the API shows it. The secret appears only in
// the create response; its hash and the token stamp never.
type clientView struct {
	ClientID          string        `json:"clientId"`
	Status            client.Status `json:"status"`
	AgentID           string        `json:"agentId"`
	TwilioPhoneNumber string        `json:"twilioPhoneNumber"`
	CalID             string        `json:"calId,omitempty"`
	ClientMeta        client.Meta   `json:"clientMeta"`
	CreatedAt         string        `json:"createdAt"`
	UpdatedAt         string        `json:"updatedAt"`
	UpdatedBy         string        `json:"updatedBy,omitempty"`
	ClientSecret      string        `json:"clientSecret,omitempty"`
}

func viewOf(c client.Client) clientView {
	return clientView{
		ClientID: c.ClientID, Status: c.Status, AgentID: c.AgentID, TwilioPhoneNumber: c.TwilioPhoneNumber,
		CalID: c.CalID, ClientMeta: c.Meta, CreatedAt: client.FormatTime(c.CreatedAt), UpdatedAt: client.FormatTime(c.UpdatedAt),
		UpdatedBy: c.UpdatedBy,
	}
}

// etag is a client version as the ETag header shows it.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }
