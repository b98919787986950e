// Command migrate moves the original service's clients into this
// service's table: from its MongoDB (-from mongodb://… or mongodb+srv://…)
// or from a mongoexport file of its clients collection (-from FILE).
//
// It is configured like the functions: TABLE_NAME, the secrets document at
// ADMIN_JWT_SECRET_ARN (or, locally, ADMIN_JWT_SECRET and the other plain
// variables; the public development secret when none is set, as make run
// does), DynamoDB at AWS_ENDPOINT_URL_DYNAMODB or else AWS. With none of
// AWS_ENDPOINT_URL_DYNAMODB, TABLE_NAME or a secret set, it is being tried
// locally: it uses make run's store and table, which make run names at
// $API/dynamodb (API as in the docs: http://127.0.0.1:3000 by default).
// See docs/migration.md.
//
// Exit status: 0 when nothing was refused, 1 when some client was refused,
// 2 when the run could not be done (bad flags, unreachable source or table).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/migrate"
	"github.com/outbound-caller/admin-api/pkg/secretsdoc"
	"github.com/outbound-caller/admin-api/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// Exit statuses.
const (
	exitOK      = 0
	exitRefused = 1
	exitFailed  = 2
)

// flags are the command line.
type flags struct {
	from, db, collection, report string
	dryRun                       bool
	concurrency                  int
	timeout                      time.Duration
}

func parse(args []string, stderr io.Writer) (flags, error) {
	var o flags
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.from, "from", "", "the source: mongodb://… or mongodb+srv://… (the original's database), or a mongoexport file of its clients collection")
	fs.StringVar(&o.db, "db", "", "database of a mongodb source (default: the one the URI names)")
	fs.StringVar(&o.collection, "collection", "clients", "collection of a mongodb source")
	fs.BoolVar(&o.dryRun, "dry-run", false, "read and check everything, write nothing, report what a real run would do")
	fs.StringVar(&o.report, "report", "", "also write the report as JSON to this file")
	fs.IntVar(&o.concurrency, "concurrency", 16, "clients written at a time")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Second, "how long to wait for a mongodb source to answer")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.from == "":
		return o, errors.New("-from is required: a mongodb:// URI or a mongoexport file")
	case o.concurrency < 1 || o.concurrency > 256:
		return o, errors.New("-concurrency must be 1 to 256")
	}
	if migrate.IsMongoURI(o.from) && o.db == "" {
		u, err := url.Parse(o.from)
		if err == nil {
			o.db = strings.TrimPrefix(u.Path, "/")
		}
		if o.db == "" {
			return o, errors.New("the mongodb URI names no database: add -db")
		}
	}
	return o, nil
}

// run is the whole command; tests call it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, terminal bool) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "migrate:", err)
		return exitFailed
	}
	o, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return fail(err)
	}
	docs, unreadable, err := read(ctx, o)
	if err != nil {
		return fail(err)
	}
	m, err := build(ctx, getenv, stderr)
	if err != nil {
		return fail(err)
	}
	m.DryRun, m.Concurrency = o.dryRun, o.concurrency
	if terminal {
		m.Progress = stderr
	}
	rep, err := m.Run(ctx, docs, unreadable)
	if o.report != "" {
		if werr := writeReport(o.report, rep); werr != nil {
			return fail(werr)
		}
	}
	if err != nil {
		// No summary: counts printed before a failure read like a result.
		// What was written stays written, and a re-run resumes from there.
		fmt.Fprintln(stderr, "migrate: the run stopped before its end:", rep.Stopped)
		fmt.Fprintf(stderr, "migrate: not a result: %d clients were written before it stopped and stay written; run again to resume\n", rep.Imported)
		return exitFailed
	}
	fmt.Fprint(stdout, rep.Summary(o.dryRun))
	if len(rep.Refused) > 0 {
		return exitRefused
	}
	return exitOK
}

func read(ctx context.Context, o flags) ([]migrate.Document, []migrate.Unreadable, error) {
	if migrate.IsMongoURI(o.from) {
		docs, err := migrate.ReadMongo(ctx, o.from, o.db, o.collection, o.timeout)
		return docs, nil, err
	}
	f, err := os.Open(o.from)
	if err != nil {
		return nil, nil, fmt.Errorf("open the source: %w", err)
	}
	defer f.Close()
	return migrate.ReadFile(f)
}

// build configures the migration as the functions are configured.
func build(ctx context.Context, getenv func(string) string, stderr io.Writer) (*migrate.Migration, error) {
	env := getenv
	endpoint := getenv("AWS_ENDPOINT_URL_DYNAMODB")
	noSecret := getenv("ADMIN_JWT_SECRET") == "" && getenv("ADMIN_JWT_SECRET_ARN") == "" && getenv("ADMIN_JWKS_URL") == ""
	trial := endpoint == "" && noSecret && getenv("TABLE_NAME") == ""
	if trial {
		// Nothing configured: a table in service needs its secret, so
		// this can only be someone trying the tool on their machine, with
		// make run up. make run says where its store is (it serves its
		// embedded store beside its API); API is make run's address as
		// the docs write it.
		api := getenv("API")
		if api == "" {
			api = localAPI
		}
		if !isLoopback(api) {
			return nil, fmt.Errorf("nothing is configured and API=%s is not on this machine: set AWS_ENDPOINT_URL_DYNAMODB, TABLE_NAME and ADMIN_JWT_SECRET_ARN for a real table", api)
		}
		found, err := findMakeRun(ctx, api)
		if err != nil {
			return nil, err
		}
		endpoint = found.Endpoint
		fmt.Fprintf(stderr, "migrate: nothing configured: trying it locally, in make run's store at %s, table %s\n", endpoint, found.TableName)
		env = func(k string) string {
			if k == "TABLE_NAME" {
				return found.TableName
			}
			return getenv(k)
		}
	}
	local := isLoopback(endpoint)
	if noSecret {
		if !local {
			// Hashing with the public key would import clients that can never
			// sign in, and a re-run would find them "unchanged".
			return nil, errors.New("no ADMIN_JWT_SECRET_ARN (or ADMIN_JWT_SECRET) is set, and the table is not local: " +
				"refusing to hash client secrets with the public development key; set the secret the functions use")
		}
		// As make run does: the public development secret, for local use.
		fmt.Fprintln(stderr, "migrate: ADMIN_JWT_SECRET: the public development default (local use only)")
		configured := env
		env = func(k string) string {
			if k == "ADMIN_JWT_SECRET" {
				return config.DevSecret
			}
			return configured(k)
		}
	}
	cfg, err := config.FromEnv(env)
	if err != nil {
		return nil, err
	}
	var opts []func(*awsconfig.LoadOptions) error
	if local {
		// An emulator on this machine checks no signature: it needs neither
		// credentials nor a region, so none has to be set up for it.
		if getenv("AWS_ACCESS_KEY_ID") == "" && getenv("AWS_PROFILE") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		if getenv("AWS_REGION") == "" && getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, awsconfig.WithRegion("us-east-1"))
		}
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.JWTSecretARN != "" {
		s, err := secretsdoc.Load(ctx, secretsdoc.NewClient(awsCfg, env), cfg.JWTSecretARN)
		if err != nil {
			return nil, err
		}
		if cfg, err = cfg.WithSecrets(s); err != nil {
			return nil, err
		}
	}
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// Local emulators (minidyn, moto) send no valid X-Amz-Crc32.
			o.DisableValidateResponseChecksum = true
		}
	})
	// A missing table would surface as a bare ResourceNotFoundException
	// naming nothing, midway; one read first names it.
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(cfg.TableName)}); err != nil {
		where := "in AWS"
		if endpoint != "" {
			where = "at " + endpoint
		}
		if _, missing := errors.AsType[*types.ResourceNotFoundException](err); missing {
			return nil, fmt.Errorf("table %q does not exist %s: create it first (make run creates it locally, sam deploy in AWS) or set TABLE_NAME", cfg.TableName, where)
		}
		return nil, fmt.Errorf("table %q %s cannot be read: %w", cfg.TableName, where, err)
	}
	// The service's own constructor: the same keyed hash, so that the
	// functions verify what the migration wrote.
	hasher, err := app.SecretHasher(cfg)
	if err != nil {
		return nil, err
	}
	return &migrate.Migration{Store: store.New(db, cfg.TableName, nil), Rules: client.NewRules(), Hasher: hasher}, nil
}

// make run's address when API does not say otherwise, and where it says
// which store it uses: internal/localdb.StorePath (a test holds the two
// equal; the tool does not link the emulator to name it).
const (
	localAPI       = "http://127.0.0.1:3000"
	localStorePath = "/dynamodb"
)

// makeRunStore is make run's answer to GET $API/dynamodb: the DynamoDB
// endpoint of its store and its table (cmd/local).
type makeRunStore struct {
	Endpoint  string `json:"endpoint"`
	TableName string `json:"tableName"`
}

// findMakeRun asks make run at api which store and table it uses.
func findMakeRun(ctx context.Context, api string) (makeRunStore, error) {
	var found makeRunStore
	where := strings.TrimSuffix(api, "/") + localStorePath
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return found, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return found, fmt.Errorf("make run does not answer at %s (%w): start make run first (on another port than 3000, export API=http://127.0.0.1:PORT), "+
			"or configure a real table: AWS_ENDPOINT_URL_DYNAMODB or AWS credentials, TABLE_NAME, ADMIN_JWT_SECRET_ARN", api, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return found, fmt.Errorf("%s answers %d, not make run's store: is make run at %s? (export API=http://127.0.0.1:PORT)", where, resp.StatusCode, api)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&found); err != nil || found.Endpoint == "" || found.TableName == "" {
		return makeRunStore{}, fmt.Errorf("%s does not say where make run's store is: is make run at %s?", where, api)
	}
	return found, nil
}

// isLoopback reports whether endpoint is an address on this machine
// (localhost, 127.0.0.0/8, ::1): a local emulator, never a table in service.
func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func writeReport(path string, rep migrate.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// isTerminal reports whether f is a character device (a terminal), where
// a progress line that rewrites itself is welcome.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
