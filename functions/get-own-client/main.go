// Command get-own-client is the Lambda behind GET /secure/client.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.GetOwnClient)
}
