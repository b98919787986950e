// Command get-client is the Lambda behind GET /admin/clients/{clientId}.
package main

import (
	"github.com/outbound-caller/admin-api/internal/api"
	"github.com/outbound-caller/admin-api/internal/app"
)

func main() {
	app.Start(api.GetClient)
}
