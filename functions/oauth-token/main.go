// Command oauth-token is the Lambda behind POST /auth/token.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/outbound-caller/admin-api/pkg/app"
)

func main() {
	h, err := app.Lambda(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.OAuthToken)
}
