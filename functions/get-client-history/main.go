// Command get-client-history is the Lambda behind
// GET /admin/clients/{clientId}/history.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.ClientHistory)
}
