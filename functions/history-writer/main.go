// Command history-writer is the Lambda the table's stream invokes: it
// records each client change as the client's history event
// (pkg/history).
package main

import "github.com/outbound-caller/admin-api/pkg/app"

func main() {
	app.StartHistoryWriter()
}
