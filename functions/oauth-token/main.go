// Command oauth-token is the Lambda behind POST /auth/token.
package main

import (
	"github.com/outbound-caller/admin-api/internal/api"
	"github.com/outbound-caller/admin-api/internal/app"
)

func main() {
	app.Start(api.OAuthToken)
}
