// Command invoke is `sam local invoke` without Docker: it builds one
// function's bootstrap for this machine, runs it under the AWS Lambda
// Runtime Interface Emulator, sends it one event, prints the function's
// response and stops the emulator. Without AWS_ENDPOINT_URL_DYNAMODB it
// runs the embedded store `make run` uses, seeded the same way.
//
//	go run ./cmd/invoke -function update-client -event events/update-client.json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/rie"
	"github.com/outbound-caller/admin-api/internal/sampleevents"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

func main() {
	fn := flag.String("function", "", "function folder under functions/ (e.g. update-client)")
	event := flag.String("event", "", "event file (default events/<function>.json)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *fn, *event, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, fn, event string, getenv func(string) string, out, logs io.Writer) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	fns, err := sampleevents.Functions(root)
	if err != nil {
		return err
	}
	if !slices.Contains(fns, fn) {
		return fmt.Errorf("FUNCTION=%q is not a folder of functions/ (have %v)", fn, fns)
	}
	if event == "" {
		event = filepath.Join("events", fn+".json")
	}
	if owner, ok := sampleevents.FunctionFor(event, fns); ok && owner != fn {
		return fmt.Errorf("%s belongs to function %s, not %s", event, owner, fn)
	}
	payload, err := os.ReadFile(event)
	if err != nil {
		return err
	}
	if !json.Valid(payload) {
		return fmt.Errorf("%s is not JSON", event)
	}

	dir, err := os.MkdirTemp("", "invoke-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(logs, "building functions/%s and the Lambda Runtime Interface Emulator\n", fn)
	bootstrap, err := rie.BuildFunction(ctx, root, fn, dir)
	if err != nil {
		return err
	}
	emulator, err := rie.BuildEmulator(ctx, root, dir)
	if err != nil {
		return err
	}

	table := getenv("TABLE_NAME")
	if table == "" {
		table = config.DefaultTable
	}
	// As `make run` seeds: the demo clients can sign in with their public
	// development secrets.
	hasher, err := passhash.NewHasher(passhash.DefaultParams())
	if err != nil {
		return err
	}
	local, err := localdb.Open(ctx, getenv, table, hasher, logs)
	if err != nil {
		return err
	}
	defer local.Close()

	env, err := rie.LocalEnv(fn, table, local.Endpoint)
	if err != nil {
		return err
	}
	em, err := rie.Start(ctx, emulator, bootstrap, env, logs)
	if err != nil {
		return err
	}
	defer em.Close()
	resp, err := em.Invoke(ctx, payload)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, resp, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(resp)
	}
	fmt.Fprintln(out, pretty.String())
	return nil
}

// moduleRoot is the nearest directory upwards holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the current directory")
		}
		dir = parent
	}
}
