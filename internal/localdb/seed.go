package localdb

import (
	"context"
	"errors"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Creator is what Seed needs of the store.
type Creator interface {
	Create(ctx context.Context, c client.Client, secretHash string, o client.Origin) error
}

// SeedStamp is the tokensValidAfter stamp of the demo clients. It is fixed
// so that client tokens made ahead of time (events/, make token ROLE=client)
// match a freshly seeded store.
// SeedOrigin is the history's origin of the demo clients: created by
// "seed", make run's seeding.
func SeedOrigin() client.Origin {
	return client.Origin{Action: client.ActionCreate, Actor: client.Actor{Sub: "seed", Role: client.RoleAdmin}}
}

func SeedStamp() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

// The demo clients: John Smith and Jane Doe, and their secrets. The
// secrets are public: local runs and tests only (make run prints them).
const (
	JohnID     = "client_12345abcde"
	JaneID     = "client_67890fghij"
	JohnSecret = "local-demo-secret-john-0123456789abcdef"
	JaneSecret = "local-demo-secret-jane-0123456789abcdef"
)

// DemoSecrets are the demo clients' secrets by client id.
func DemoSecrets() map[string]string {
	return map[string]string{JohnID: JohnSecret, JaneID: JaneSecret}
}

// Hasher hashes secrets (a *passhash.SecretHasher, so that the demo
// clients sign in against the hashes the service writes).
type Hasher interface {
	Hash(s string) (string, error)
}

// DemoClients are the clients of the seed document's examples, plus a
// second one whose email lets a caller try the 409.
func DemoClients(now time.Time) []client.Client {
	return []client.Client{
		{
			ClientID: JohnID, Status: client.StatusActive, AgentID: "agent_demo_001",
			TwilioPhoneNumber: "+18005551234",
			Meta: client.Meta{
				FullName: "John Smith", Email: "john.smith@example.com", Phone: "+12125551234",
				BusinessName: "Acme Corporation", City: "Chicago", JobTitle: "CTO", Notes: "Demo client",
			},
			CreatedAt: now, UpdatedAt: now, UpdatedBy: "seed", Version: 1, TokensValidAfter: SeedStamp(),
		},
		{
			ClientID: JaneID, Status: client.StatusActive, AgentID: "agent_demo_002",
			TwilioPhoneNumber: "+18005556789",
			Meta: client.Meta{
				FullName: "Jane Doe", Email: "jane.doe@example.com", Phone: "+13125550199",
				BusinessName: "Globex Inc", City: "Toronto", JobTitle: "COO",
			},
			CreatedAt: now, UpdatedAt: now, UpdatedBy: "seed", Version: 1, TokensValidAfter: SeedStamp(),
		},
	}
}

// Seed creates the demo clients without secrets (they cannot sign in);
// ones that already exist are kept as they are.
func Seed(ctx context.Context, st Creator, now time.Time) error {
	return SeedWithSecrets(ctx, st, nil, now)
}

// SeedWithSecrets creates the demo clients with the hashes of DemoSecrets,
// so that they can sign in; a nil h seeds no secrets.
func SeedWithSecrets(ctx context.Context, st Creator, h Hasher, now time.Time) error {
	secrets := DemoSecrets()
	for _, c := range DemoClients(now) {
		var hash string
		if h != nil {
			var err error
			if hash, err = h.Hash(secrets[c.ClientID]); err != nil {
				return err
			}
		}
		if err := st.Create(ctx, c, hash, SeedOrigin()); err != nil && !errors.Is(err, client.ErrIDTaken) {
			return err
		}
	}
	return nil
}
