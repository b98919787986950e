package localdb

import (
	"context"
	"errors"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Creator is what Seed needs of the store.
type Creator interface {
	Create(ctx context.Context, c client.Client, secretHash string) error
}

// DemoClients are the clients of the seed document's examples, plus a
// second one whose email lets a caller try the 409.
func DemoClients(now time.Time) []client.Client {
	return []client.Client{
		{
			ClientID: "client_12345abcde", Status: client.StatusActive, AgentID: "agent_demo_001",
			TwilioPhoneNumber: "+18005551234",
			Meta: client.Meta{
				FullName: "John Smith", Email: "john.smith@example.com", Phone: "+12125551234",
				BusinessName: "Acme Corporation", City: "Chicago", JobTitle: "CTO", Notes: "Demo client",
			},
			CreatedAt: now, UpdatedAt: now, UpdatedBy: "seed", Version: 1, TokensValidAfter: now,
		},
		{
			ClientID: "client_67890fghij", Status: client.StatusActive, AgentID: "agent_demo_002",
			TwilioPhoneNumber: "+18005556789",
			Meta: client.Meta{
				FullName: "Jane Doe", Email: "jane.doe@example.com", Phone: "+13125550199",
				BusinessName: "Globex Inc", City: "Toronto", JobTitle: "COO",
			},
			CreatedAt: now, UpdatedAt: now, UpdatedBy: "seed", Version: 1, TokensValidAfter: now,
		},
	}
}

// Seed creates the demo clients; ones that already exist are kept as they are.
func Seed(ctx context.Context, st Creator, now time.Time) error {
	for _, c := range DemoClients(now) {
		if err := st.Create(ctx, c, ""); err != nil && !errors.Is(err, client.ErrIDTaken) {
			return err
		}
	}
	return nil
}
