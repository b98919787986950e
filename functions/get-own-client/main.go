// Command get-own-client is the Lambda behind GET /secure/client.
package main

import (
	"github.com/outbound-caller/admin-api/internal/api"
	"github.com/outbound-caller/admin-api/internal/app"
)

func main() {
	app.Start(api.GetOwnClient)
}
