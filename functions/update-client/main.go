// Command update-client is the Lambda behind PUT /admin/clients/{clientId}.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.UpdateClient)
}
