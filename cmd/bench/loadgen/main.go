// Command loadgen runs internal/loadtest: a fixed mix of requests at fixed
// concurrency for a fixed time, against the API it starts in-process as
// `make run` does (embedded store, or -endpoint such as moto) or against
// -url; it prints the Report as JSON.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/outbound-caller/admin-api/internal/loadtest"
)

func main() {
	var o loadtest.Options
	flag.StringVar(&o.URL, "url", "", "base URL of a running API (default: start one in-process)")
	flag.StringVar(&o.Endpoint, "endpoint", "", "DynamoDB endpoint for the in-process API (default: embedded minidyn)")
	flag.StringVar(&o.Token, "token", "", "admin token for -url (default: signed with ADMIN_JWT_SECRET or the dev secret)")
	flag.StringVar(&o.Mix, "mix", "update=70,email=10,get=20", "request mix, percent by kind: update, email, get")
	flag.IntVar(&o.Concurrency, "c", 8, "concurrent workers")
	flag.DurationVar(&o.Duration, "d", 10*time.Second, "duration")
	out := flag.String("o", "", "write the JSON report here (default stdout)")
	flag.Parse()
	rep, err := loadtest.Run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: %d requests, %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, errors %d, 409s %d %s\n",
		rep.Store, rep.Requests, rep.RPS, rep.P50Ms, rep.P90Ms, rep.P99Ms, rep.Errors, rep.Conflicts, rep.Note)
	b, _ := json.MarshalIndent(rep, "", "  ")
	if *out == "" {
		os.Stdout.Write(append(b, '\n'))
	} else if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
