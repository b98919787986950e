// Package rie runs a function's real bootstrap binary under the AWS Lambda
// Runtime Interface Emulator (the tool pinned in go.mod), the way Lambda
// runs it, without Docker. `make invoke` and the binary tests use it.
package rie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EmulatorPackage is the RIE's main package, a tool dependency in go.mod.
const EmulatorPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// invokePath is where the RIE accepts invocations (the Lambda Invoke API).
const invokePath = "/2015-03-31/functions/function/invocations"

// LambdaTags are the build tags of every bootstrap, as the Makefile's
// LAMBDA_FLAGS has them: lambda.norpc drops aws-lambda-go's RPC shim (the
// provided.al2023 runtime speaks the Runtime API), and
// validator_novalidatefn drops validator's validateFn tag, whose
// reflect.MethodByName call makes the linker keep every exported method of
// every linked type (the AWS SDK's included): 4 MiB of each bootstrap.
// Nothing here uses validateFn.
const LambdaTags = "lambda.norpc,validator_novalidatefn"

// BuildFunction builds root/functions/<name> into dir/bootstrap for the
// host, with the flags the Makefile uses for Lambda (only GOOS/GOARCH
// differ), and returns the binary's path.
func BuildFunction(ctx context.Context, root, name, dir string) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	return out, BuildLambda(ctx, root, "./functions/"+name, out, "")
}

// BuildLambda builds the main package pkg (relative to root) into out with
// the flags the Makefile uses for Lambda: static, LambdaTags, stripped.
// An empty goarch builds for the host; any other builds for linux/goarch,
// as deployed (the Makefile's is arm64).
func BuildLambda(ctx context.Context, root, pkg, out, goarch string) error {
	env := []string{"CGO_ENABLED=0"}
	if goarch != "" {
		env = append(env, "GOOS=linux", "GOARCH="+goarch)
	}
	return goBuild(ctx, root, out, env, "-tags", LambdaTags, "-trimpath", "-ldflags", "-s -w", pkg)
}

// BuildEmulator builds the pinned RIE into dir and returns its path.
// Building once and running the binary (rather than `go run` per start)
// lets Close stop the emulator itself, not a `go` parent.
func BuildEmulator(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "aws-lambda-rie")
	return out, goBuild(ctx, root, out, nil, EmulatorPackage)
}

func goBuild(ctx context.Context, root, out string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", out}, args...)...)
	cmd.Dir = root
	// The host's GOOS/GOARCH unless env sets them: drop any cross-compilation
	// settings inherited from the caller's environment.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOOS=") && !strings.HasPrefix(kv, "GOARCH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rie: go build %s: %w\n%s", args[len(args)-1], err, b)
	}
	return nil
}

// Emulator is a running RIE with one function's bootstrap.
type Emulator struct {
	URL       string // base URL of the invoke endpoint
	bootstrap string // absolute path of the function's binary
	cmd       *exec.Cmd
	done      chan error
}

// Start runs the emulator at emulatorPath with bootstrapPath as the
// function, on free loopback ports, with env added to the current
// environment (the RIE hands its environment to the function). Its and the
// function's output go to logs. Start returns once the emulator accepts
// connections; Close stops it.
func Start(ctx context.Context, emulatorPath, bootstrapPath string, env []string, logs io.Writer) (*Emulator, error) {
	// A free port can be taken by another process between our probe and the
	// emulator's bind (tests start emulators in parallel packages); the
	// emulator then exits at once, and a second pair of ports is tried.
	var err error
	for range 3 {
		var e *Emulator
		if e, err = start(ctx, emulatorPath, bootstrapPath, env, logs); !errors.Is(err, errExitedEarly) {
			return e, err
		}
	}
	return nil, err
}

var errExitedEarly = errors.New("rie: emulator exited before listening")

func start(ctx context.Context, emulatorPath, bootstrapPath string, env []string, logs io.Writer) (*Emulator, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	runtimePort, err := freePort()
	if err != nil {
		return nil, err
	}
	// The path as /proc/<pid>/exe will show it, for FunctionPID.
	abs, err := filepath.Abs(bootstrapPath)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	addr := "127.0.0.1:" + apiPort
	// The runtime API defaults to the fixed port 9001; give it a free one
	// so that several emulators can run at once.
	cmd := exec.Command(emulatorPath,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+runtimePort,
		bootstrapPath)
	cmd.Dir = filepath.Dir(bootstrapPath)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	// The function runs in a process group of its own and inherits the
	// output pipes; should it outlive the kill, Wait must not hang on them.
	cmd.WaitDelay = 2 * time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start emulator: %w", err)
	}
	e := &Emulator{URL: "http://" + addr, bootstrap: abs, cmd: cmd, done: make(chan error, 1)}
	go func() { e.done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return e, nil
		}
		select {
		case err := <-e.done:
			e.done <- err
			return nil, fmt.Errorf("%w: %v", errExitedEarly, err)
		case <-ctx.Done():
			e.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Close()
			return nil, errors.New("rie: emulator did not listen within 10s")
		}
	}
}

// Invoke sends payload as one invocation and returns the function's
// response payload.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+invokePath, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("rie: read invoke response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("rie: invoke returned HTTP %d: %s", resp.StatusCode, b)
	}
	return b, nil
}

// PID is the emulator's process id.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }

// Close stops the emulator and the function process it started.
func (e *Emulator) Close() error {
	killProcessGroup(e.cmd)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		return errors.New("rie: emulator did not stop")
	}
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("rie: find a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}
