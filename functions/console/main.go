// Command console is the Lambda behind GET /console and GET
// /console/{proxy+}: the admin console's static files, on the API's origin.
package main

import "github.com/outbound-caller/admin-api/pkg/console"

func main() {
	console.Start()
}
