// Command get-client is the Lambda behind GET /admin/clients/{clientId}.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.GetClient)
}
