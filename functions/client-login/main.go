// Command client-login is the Lambda behind POST /auth/login.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.ClientLogin)
}
