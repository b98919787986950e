package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/truora/minidyn/server"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/migrate"
)

// startFerret starts FerretDB v1 in-process (SQLite in a temporary
// directory) on a free loopback port and returns its mongodb:// URI: a
// MongoDB-wire server, spoken to by the official driver as the original's
// database would be. One per test: ferretdb.New writes package state, so
// two starting at once race.
func startFerret(t *testing.T) string {
	t.Helper()
	// Not t.TempDir(): FerretDB parses the SQLite URL as a URL, and a
	// subtest's directory name holds '#', which would cut it short.
	dir, err := os.MkdirTemp("", "ferretdb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("FerretDB did not stop")
		}
	})
	return f.MongoDBURI()
}

var (
	t0 = time.Date(2025, 3, 19, 10, 0, 0, 0, time.UTC)
	// paulSecret is an original secret: shorter than this service's new
	// ones, and it must keep working.
	paulSecret = "5C3JSBoh8mv3IOVVFim"
)

// at is a BSON date d days after t0, as Mongoose's timestamps store it.
func at(days int) bson.DateTime { return bson.NewDateTimeFromTime(t0.AddDate(0, 0, days)) }

func meta(name, email, phone string) bson.D {
	return bson.D{{Key: "fullName", Value: name}, {Key: "phone", Value: phone}, {Key: "email", Value: email}}
}

// original builds a client document the way the original's Mongoose
// schema stores it: _id, the fields in schema order, timestamps, __v.
func original(id string, created int, secret any, m bson.D, twilio string, extra ...bson.E) bson.D {
	d := bson.D{
		{Key: "_id", Value: bson.NewObjectIDFromTimestamp(t0.AddDate(0, 0, created))},
		{Key: "clientId", Value: id},
		{Key: "calId", Value: "cal_" + id},
		{Key: "clientToken", Value: "eyJhbGciOiJIUzI1NiJ9.never-expiring." + id},
	}
	if secret != nil {
		d = append(d, bson.E{Key: "clientSecret", Value: secret})
	}
	d = append(d,
		bson.E{Key: "agentId", Value: "agent_" + id},
		bson.E{Key: "twilioPhoneNumber", Value: twilio},
		bson.E{Key: "meetingTitle", Value: "Consultation"},
		bson.E{Key: "status", Value: "Active"},
		bson.E{Key: "clientMeta", Value: m},
		bson.E{Key: "callHistory", Value: bson.A{}},
		bson.E{Key: "createdAt", Value: at(created)},
		bson.E{Key: "updatedAt", Value: at(created + 1)},
		bson.E{Key: "__v", Value: int32(0)},
	)
	for _, e := range extra {
		set(&d, e.Key, e.Value)
	}
	return d
}

func set(d *bson.D, key string, v any) {
	for i := range *d {
		if (*d)[i].Key == key {
			(*d)[i].Value = v
			return
		}
	}
	*d = append(*d, bson.E{Key: key, Value: v})
}

// corpus is the original's data with every case the migration must handle.
// The documents are in insertion order, not creation order: the later
// created of two clients sharing an email comes first.
func corpus() []bson.D {
	paul := original("5C3JSOVVFiVmBoh8mv3I", 0, paulSecret,
		bson.D{{Key: "fullName", Value: "Paul Giovanatto"}, {Key: "phone", Value: "+19058363456"}, {Key: "businessName", Value: "Affinity Design"},
			{Key: "city", Value: "Bradford"}, {Key: "jobTitle", Value: "CEO"}, {Key: "email", Value: "paul@affinitydesign.ca"}, {Key: "notes", Value: "Prefers morning calls"}},
		"+18632704910",
		bson.E{Key: "calId", Value: "e0JBV5PARC9sbebxcYnY"},
		bson.E{Key: "accessToken", Value: "ghl-access-token-value"},
		bson.E{Key: "refreshToken", Value: "ghl-refresh-token-value"},
		bson.E{Key: "tokenExpiresAt", Value: at(30)},
		bson.E{Key: "callHistory", Value: bson.A{bson.D{
			{Key: "callId", Value: "call_6450b123b6a89e002a789abc"},
			{Key: "callData", Value: bson.D{{Key: "callSid", Value: "CA123456789"}, {Key: "phone", Value: "+19058363456"}, {Key: "duration", Value: int32(932)}}},
		}}},
		bson.E{Key: "__v", Value: int32(3)},
	)
	return []bson.D{
		paul,
		original("client_bad_email", 1, "secret-bad-email", meta("Bad Email", "not-an-email", "+14155550101"), "+18005550101"),
		original("client_bad_phone", 2, "secret-bad-phone", meta("Bad Phone", "phone@example.com", "905-836-3456"), "+18005550102"),
		// Same email, other case: the one created on day 3 keeps it.
		original("client_dup_late", 4, "secret-dup-late", meta("Dup Late", "Dup@Example.com", "+14155550104"), "+18005550104"),
		original("client_dup_early", 3, "secret-dup-early", meta("Dup Early", "dup@example.com", "+14155550103"), "+18005550103"),
		// The same Twilio number: the one created on day 5 keeps it.
		original("client_twilio_a", 5, "secret-twilio-a", meta("Twilio A", "a@example.com", "+14155550105"), "+18005550199"),
		original("client_twilio_b", 6, "secret-twilio-b", meta("Twilio B", "b@example.com", "+14155550106"), "+18005550199"),
		original("client_no_secret", 7, nil, meta("No Secret", "nosecret@example.com", "+14155550107"), "+18005550107"),
		original("client_empty_secret", 8, "", meta("Empty Secret", "empty@example.com", "+14155550108"), "+18005550108"),
		original("client_unknown_status", 9, "secret-status", meta("Unknown Status", "status@example.com", "+14155550109"), "+18005550109",
			bson.E{Key: "status", Value: "Pending"}),
		original("client_suspended", 10, "secret-suspended", meta("Suspended", "suspended@example.com", "+14155550110"), "+18005550110",
			bson.E{Key: "status", Value: "Suspended"}, bson.E{Key: "timezone", Value: "America/Toronto"}),
		{{Key: "_id", Value: bson.ObjectID{0x65, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a}}, {Key: "clientMeta", Value: meta("No Id", "noid@example.com", "+14155550111")},
			{Key: "createdAt", Value: at(11)}},
	}
}

// wantRefused is what every run over corpus refuses: clientId, field, heldBy.
var wantRefused = []string{
	"|clientId|",
	"client_bad_email|clientMeta.email|",
	"client_bad_phone|clientMeta.phone|",
	"client_dup_late|clientMeta.email|client_dup_early",
	"client_twilio_b|twilioPhoneNumber|client_twilio_a",
	"client_unknown_status|status|",
}

var wantDropped = map[string]int{
	"clientToken": 11, "meetingTitle": 11, "callHistory": 11, "accessToken": 1, "refreshToken": 1, "tokenExpiresAt": 1, "timezone": 1,
}

const imported = 6 // paul, dup_early, twilio_a, no_secret, empty_secret, suspended

func refusedKeys(r migrate.Report) []string {
	var out []string
	for _, x := range r.Refused {
		out = append(out, x.ClientID+"|"+x.Field+"|"+x.HeldBy)
	}
	slices.Sort(out)
	return out
}

// target is this service (real handler, embedded store) and the
// environment the command reads to reach it.
type target struct {
	env    *testkit.Env
	emb    *localdb.Embedded
	getenv func(string) string
}

func newTarget(t testing.TB) target {
	emb := localdb.Start()
	t.Cleanup(emb.Close)
	t.Setenv("TEST_DYNAMODB_ENDPOINT", emb.URL)
	// The SDK's default chain reads these from the process environment.
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	e := testkit.NewEnv(t)
	vars := map[string]string{
		"TABLE_NAME": e.Table, "AWS_ENDPOINT_URL_DYNAMODB": emb.URL, "ADMIN_JWT_SECRET": testkit.TokenSecret,
	}
	return target{env: e, emb: emb, getenv: func(k string) string { return vars[k] }}
}

// migrateRun runs the command and returns its exit status, its report and
// what it printed.
func (tg target) migrateRun(t testing.TB, args ...string) (int, migrate.Report, string) {
	t.Helper()
	code, rep, out, errOut := tg.migrateOut(t, args...)
	return code, rep, out + errOut
}

// migrateOut is migrateRun with stdout and stderr apart.
func (tg target) migrateOut(t testing.TB, args ...string) (int, migrate.Report, string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	var out, errOut bytes.Buffer
	code := run(t.Context(), append(args, "-report", path), tg.getenv, &out, &errOut, false)
	var rep migrate.Report
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("report: %v\n%s", err, b)
		}
	}
	return code, rep, out.String(), errOut.String()
}

// checkReport checks rep against a run over corpus() and `added` more
// documents shaped by original().
func checkReport(t *testing.T, rep migrate.Report, added, imported, unchanged int, extraRefused ...string) {
	t.Helper()
	want := slices.Sorted(slices.Values(append(slices.Clone(wantRefused), extraRefused...)))
	if got := refusedKeys(rep); !slices.Equal(got, want) {
		t.Errorf("refused =\n%q\nwant\n%q", got, want)
	}
	if rep.Imported != imported || rep.Unchanged != unchanged {
		t.Errorf("imported %d unchanged %d, want %d and %d", rep.Imported, rep.Unchanged, imported, unchanged)
	}
	if !slices.Equal(rep.NeedsReset, []string{"client_empty_secret", "client_no_secret"}) {
		t.Errorf("needsReset = %v", rep.NeedsReset)
	}
	for name, n := range wantDropped {
		if n == 11 { // every document original() builds
			n += added
		}
		if rep.DroppedFields[name] != n {
			t.Errorf("droppedFields[%s] = %d, want %d (all: %v)", name, rep.DroppedFields[name], n, rep.DroppedFields)
		}
	}
	for _, x := range rep.Refused {
		if x.ClientID == "" && x.Field == "clientId" && !strings.Contains(x.Reason, "650a0000000000000000002a") {
			t.Errorf("the document without clientId is not named by its _id: %q", x.Reason)
		}
	}
}

// checkService signs in and reads back through the API.
func checkService(t *testing.T, e *testkit.Env) {
	t.Helper()
	login := func(id, secret string) int {
		return e.Do(t, http.MethodPost, "/auth/login", `{"clientId":"`+id+`","clientSecret":"`+secret+`"}`, "Content-Type", "application/json").Status
	}
	if s := login("5C3JSOVVFiVmBoh8mv3I", paulSecret); s != 200 {
		t.Errorf("sign-in with the original secret: %d", s)
	}
	if s := login("client_no_secret", ""); s == 200 {
		t.Error("a client imported without a secret signs in")
	}
	r := e.Do(t, http.MethodGet, "/admin/clients/5C3JSOVVFiVmBoh8mv3I", "", "Authorization", "Bearer "+e.AdminToken(t))
	got := r.JSON(t)
	for k, want := range map[string]any{
		"calId": "e0JBV5PARC9sbebxcYnY", "status": "Active", "agentId": "agent_5C3JSOVVFiVmBoh8mv3I", "twilioPhoneNumber": "+18632704910",
		"createdAt": "2025-03-19T10:00:00.000Z", "updatedAt": "2025-03-20T10:00:00.000Z", "updatedBy": migrate.Actor,
	} {
		if got[k] != want {
			t.Errorf("GET %s = %v, want %v", k, got[k], want)
		}
	}
	if m, _ := got["clientMeta"].(map[string]any); m["email"] != "paul@affinitydesign.ca" || m["notes"] != "Prefers morning calls" {
		t.Errorf("clientMeta = %v", got["clientMeta"])
	}
	for _, id := range []string{"client_bad_email", "client_dup_late", "client_twilio_b", "client_unknown_status"} {
		if e.Item(t, "CLIENT#"+id) != nil {
			t.Errorf("refused client %s was written", id)
		}
	}
	if s := e.Item(t, "CLIENT#client_suspended"); s == nil || s["status"] != "Suspended" {
		t.Errorf("suspended client = %v", s)
	}
	// The import is the first event of the client's history, by the
	// migration, with every field it set and the secret as changed.
	h := e.Do(t, http.MethodGet, "/admin/clients/5C3JSOVVFiVmBoh8mv3I/history", "", "Authorization", "Bearer "+e.AdminToken(t)).JSON(t)
	evs, _ := h["events"].([]any)
	if len(evs) != 1 {
		t.Fatalf("history of an imported client: %v", h)
	}
	ev := evs[0].(map[string]any)
	changes, _ := ev["changes"].(map[string]any)
	actor, _ := ev["actor"].(map[string]any)
	agent, _ := changes["agentId"].(map[string]any)
	secret, _ := changes["clientSecret"].(map[string]any)
	if ev["action"] != "import" || actor["sub"] != migrate.Actor || actor["role"] != "migration" ||
		agent["from"] != nil || agent["to"] != "agent_5C3JSOVVFiVmBoh8mv3I" || secret["hidden"] != true {
		t.Errorf("import event = %v", ev)
	}
	// Nothing of the original's secrets or tokens is stored in clear.
	for _, item := range e.Snapshot(t) {
		for _, secret := range []string{paulSecret, "secret-dup-early", "never-expiring", "ghl-access-token-value"} {
			if strings.Contains(item, secret) {
				t.Errorf("stored in clear: %s", secret)
			}
		}
	}
}

func TestMigrateFromMongoDB(t *testing.T) {
	uri := startFerret(t)
	ctx := t.Context()
	mc, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(context.Background())
	docs := corpus()
	if _, err := mc.Database("outbound").Collection("clients").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	tg := newTarget(t)
	src := strings.TrimSuffix(uri, "/") + "/outbound"

	empty := tg.env.Snapshot(t) // a new table: only the counts' ready marker
	code, rep, out := tg.migrateRun(t, "-from", src, "-dry-run")
	if code != exitRefused {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	checkReport(t, rep, 0, imported, 0)
	if d := testkit.TableDiff(empty, tg.env.Snapshot(t)); d != "" {
		t.Fatalf("the dry run wrote:\n%s", d)
	}

	code, real, out := tg.migrateRun(t, "-from", src)
	if code != exitRefused {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !slices.Equal(refusedKeys(real), refusedKeys(rep)) || real.Imported != rep.Imported {
		t.Errorf("the dry run said %+v, the run did %+v", rep, real)
	}
	checkReport(t, real, 0, imported, 0)
	for _, leak := range []string{paulSecret, "paul@affinitydesign.ca", "not-an-email", "ghl-access-token-value", "+19058363456"} {
		if strings.Contains(out, leak) {
			t.Errorf("the output shows a value (%s):\n%s", leak, out)
		}
	}
	checkService(t, tg.env)

	// A re-run over the unchanged source writes nothing.
	before := tg.env.Snapshot(t)
	code, again, out := tg.migrateRun(t, "-from", src)
	if code != exitRefused {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	checkReport(t, again, 0, 0, imported)
	if d := testkit.TableDiff(before, tg.env.Snapshot(t)); d != "" {
		t.Errorf("a re-run over an unchanged source changed the table:\n%s", d)
	}

	// A client added to the source since is imported; one changed there
	// since is refused and left as it is.
	_, err = mc.Database("outbound").Collection("clients").InsertOne(ctx,
		original("client_new", 20, "secret-new", meta("New", "new@example.com", "+14155550120"), "+18005550120"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Database("outbound").Collection("clients").UpdateOne(ctx, bson.D{{Key: "clientId", Value: "client_suspended"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "Active"}, {Key: "updatedAt", Value: at(40)}}}}); err != nil {
		t.Fatal(err)
	}
	_, later, out := tg.migrateRun(t, "-from", src)
	checkReport(t, later, 1, 1, imported-1, "client_suspended|clientId|client_suspended")
	if s := tg.env.Item(t, "CLIENT#client_suspended"); s["status"] != "Suspended" {
		t.Errorf("a client changed in the source was overwritten: %v\n%s", s, out)
	}
}

func TestMigrateFromExportFile(t *testing.T) {
	var file bytes.Buffer
	for i, d := range corpus() {
		canonical := i%2 == 0 // mongoexport writes either; both are read
		b, err := bson.MarshalExtJSON(d, canonical, false)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(b)
		file.WriteString("\n")
		if i == 2 {
			file.WriteString("\n{\"clientId\": \"half a line\n")
		}
	}
	path := filepath.Join(t.TempDir(), "clients.json")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := newTarget(t)
	code, rep, out := tg.migrateRun(t, "-from", path)
	if code != exitRefused {
		t.Fatalf("exit %d\n%s", code, out)
	}
	checkReport(t, rep, 0, imported, 0, "||")
	for _, x := range rep.Refused {
		if x.ClientID == "" && x.Field == "" && !strings.HasPrefix(x.Reason, "line 5: not JSON") {
			t.Errorf("the bad line is not named: %q", x.Reason)
		}
	}
	checkService(t, tg.env)
}

func TestMigrateExitStatus(t *testing.T) {
	tg := newTarget(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	b, _ := bson.MarshalExtJSON(corpus()[0], false, false)
	if err := os.WriteFile(good, append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"nothing refused", []string{"-from", good}, exitOK},
		{"no source", nil, exitFailed},
		{"missing file", []string{"-from", filepath.Join(dir, "absent.json")}, exitFailed},
		{"unreachable MongoDB", []string{"-from", "mongodb://127.0.0.1:1/outbound", "-timeout", "300ms"}, exitFailed},
		{"URI without a database", []string{"-from", "mongodb://127.0.0.1:1"}, exitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, out := tg.migrateRun(t, tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, out)
			}
		})
	}
}

// exportFile writes docs as a mongoexport file and returns its path.
func exportFile(t *testing.T, docs ...bson.D) string {
	t.Helper()
	var file bytes.Buffer
	for _, d := range docs {
		b, err := bson.MarshalExtJSON(d, true, false)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(b)
		file.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "clients.json")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMigrateStoppedRunPrintsNoResult(t *testing.T) {
	tg := newTarget(t)
	path := exportFile(t, corpus()[0])
	tg.emb.Server.EmulateFailureForTable(tg.env.Table, server.FailureConditionInternalServerError)
	code, rep, out, errOut := tg.migrateOut(t, "-from", path)
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if out != "" {
		t.Errorf("a stopped run printed a summary:\n%s", out)
	}
	if !strings.Contains(errOut, "not a result") {
		t.Errorf("stderr does not say the counts are no result:\n%s", errOut)
	}
	if rep.Stopped == "" {
		t.Errorf("the report of a stopped run does not say so: %+v", rep)
	}
}

// TestMigrateRefusesDatesTheServiceCannotServe: a client whose date the
// service cannot format back would answer 500 on every read and take the
// list down with it; it is refused, naming its line and field, and the
// table stays readable.
func TestMigrateRefusesDatesTheServiceCannotServe(t *testing.T) {
	tg := newTarget(t)
	good := original("client_good", 0, "secret-good", meta("Good", "good@example.com", "+14155550100"), "+18005550100")
	var docs []bson.D
	var fields []string
	for i, tc := range []struct{ field, date any }{
		{"createdAt", bson.DateTime(253402300800000)}, // year 10000
		{"createdAt", bson.DateTime(-62198755200000)}, // year -1
		{"createdAt", bson.DateTime(math.MaxInt64)},   // int64 max
		{"updatedAt", bson.DateTime(253402300800000)}, // a bad updatedAt
		{"updatedAt", bson.DateTime(math.MinInt64)},   // int64 min
	} {
		fields = append(fields, tc.field.(string))
		id := fmt.Sprintf("client_bad_date_%d", i)
		docs = append(docs, original(id, i+1, "secret", meta("Bad "+id, id+"@example.com", "+14155550100"), fmt.Sprintf("+1800555020%d", i),
			bson.E{Key: tc.field.(string), Value: tc.date}))
	}
	path := exportFile(t, append([]bson.D{good}, docs...)...)
	code, rep, out := tg.migrateRun(t, "-from", path)
	if code != exitRefused || rep.Imported != 1 || len(rep.Refused) != len(docs) {
		t.Fatalf("exit %d, imported %d, refused %+v\n%s", code, rep.Imported, rep.Refused, out)
	}
	for i, x := range rep.Refused {
		wantField := fields[i]
		if x.Field != wantField || !strings.HasPrefix(x.Reason, fmt.Sprintf("line %d ", i+2)) {
			t.Errorf("refusal %d = %+v, want field %s and line %d", i, x, wantField, i+2)
		}
		if tg.env.Item(t, "CLIENT#"+x.ClientID) != nil {
			t.Errorf("%s was written", x.ClientID)
		}
	}
	admin := "Bearer " + tg.env.AdminToken(t)
	if r := tg.env.Do(t, http.MethodGet, "/admin/clients", "", "Authorization", admin); r.Status != http.StatusOK {
		t.Errorf("GET /admin/clients after the import: %d", r.Status)
	}
	// A re-run is not stopped by what the first run wrote.
	if code, again, out := tg.migrateRun(t, "-from", path); code != exitRefused || again.Unchanged != 1 {
		t.Errorf("re-run: exit %d, %+v\n%s", code, again, out)
	}
}

// TestMigrateRefusesToGuess: the development key only against a table on
// this machine, a missing table named, and a local emulator reached with
// no AWS credentials or region set up.
func TestMigrateRefusesToGuess(t *testing.T) {
	tg := newTarget(t)
	path := exportFile(t, corpus()[0])
	for _, tc := range []struct {
		name   string
		vars   map[string]string // over the target's own
		noAWS  bool              // no AWS credentials or region in the process
		code   int
		stderr string
	}{
		{"development key against AWS", map[string]string{"ADMIN_JWT_SECRET": "", "AWS_ENDPOINT_URL_DYNAMODB": ""}, false, exitFailed, "refusing to hash client secrets with the public development key"},
		{"development key against a remote endpoint", map[string]string{"ADMIN_JWT_SECRET": "", "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.eu-west-1.amazonaws.com"}, false, exitFailed, "the table is not local"},
		{"a missing table is named", map[string]string{"TABLE_NAME": "no-such-table"}, false, exitFailed, `table "no-such-table" does not exist at`},
		{"a local table needs no AWS setup", map[string]string{"ADMIN_JWT_SECRET": ""}, true, exitOK, "public development default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noAWS {
				for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
					t.Setenv(k, "")
				}
				t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // a fallback to IMDS fails at once
			}
			run := tg
			run.getenv = func(k string) string {
				if v, ok := tc.vars[k]; ok {
					return v
				}
				return tg.getenv(k)
			}
			before := tg.env.Snapshot(t)
			code, _, out, errOut := run.migrateOut(t, "-from", path, "-dry-run")
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr does not say %q:\n%s%s", code, tc.code, tc.stderr, out, errOut)
			}
			if d := testkit.TableDiff(before, tg.env.Snapshot(t)); d != "" {
				t.Errorf("the table changed: %s", d)
			}
		})
	}
}
