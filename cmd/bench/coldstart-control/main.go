// Command coldstart-control is the empty Lambda the cold-start figures are
// compared with: aws-lambda-go and nothing else, built like the functions.
// It takes and returns the same API Gateway types, so the difference from a
// real function is our own init and work, not event decoding.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       `{"message":"hello"}`,
		}, nil
	})
}
