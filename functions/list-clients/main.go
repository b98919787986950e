// Command list-clients is the Lambda behind GET /admin/clients.
package main

import (
	"github.com/outbound-caller/admin-api/internal/api"
	"github.com/outbound-caller/admin-api/internal/app"
)

func main() {
	app.Start(api.ListClients)
}
