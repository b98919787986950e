// Command reset-secret is the Lambda behind POST /admin/clients/{clientId}/reset-secret.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.ResetSecret)
}
