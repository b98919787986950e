// Command oauth-token is the Lambda behind POST /auth/token.
package main

import (
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	app.Start(api.OAuthToken)
}
