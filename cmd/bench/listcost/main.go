// Command listcost writes internal/listcost's measures as JSON for
// cmd/bench/benchreport: index items read per list page at each table
// size, and the calls and transaction items of each write.
//
//	go run ./cmd/bench/listcost -sizes 1000,10000 -o bench/out/listcost-embedded.json
//	./.ci/with-moto.sh bash -c 'go run ./cmd/bench/listcost -endpoint "$TEST_DYNAMODB_ENDPOINT" -o bench/out/listcost-moto.json'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/outbound-caller/admin-api/internal/listcost"
)

func main() {
	endpoint := flag.String("endpoint", "", "DynamoDB endpoint (moto); the embedded store when empty")
	sizes := flag.String("sizes", "1000,10000", "table sizes, comma-separated")
	out := flag.String("o", "", "JSON file to write (stdout when empty)")
	flag.Parse()
	if err := run(*endpoint, *sizes, *out); err != nil {
		fmt.Fprintln(os.Stderr, "listcost:", err)
		os.Exit(1)
	}
}

func run(endpoint, sizes, out string) error {
	var ns []int
	for f := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 100 {
			return fmt.Errorf("size %q: want a number of at least 100", f)
		}
		ns = append(ns, n)
	}
	rep, err := listcost.Run(context.Background(), endpoint, ns, os.Stderr)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	b = append(b, '\n')
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
