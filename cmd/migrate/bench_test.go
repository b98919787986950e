package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var benchClients = flag.Int("migrate.clients", 10000, "clients in the source of BenchmarkMigrateExportFile")

// BenchmarkMigrateExportFile migrates -migrate.clients original-shaped
// clients (each with a secret to hash) from an export file into a fresh
// table on the embedded store, as `make migrate` would, and reports the
// rate. Run it with -benchtime=1x: each iteration is a whole migration.
//
//	go test ./cmd/migrate/ -run '^$' -bench MigrateExportFile -benchtime=1x
func BenchmarkMigrateExportFile(b *testing.B) {
	var file bytes.Buffer
	for i := range *benchClients {
		d := original(fmt.Sprintf("client_%06d", i), 0, fmt.Sprintf("secret-%06d", i),
			meta(fmt.Sprintf("Client %d", i), fmt.Sprintf("c%06d@example.com", i), "+14155550100"), fmt.Sprintf("+1800%07d", i))
		line, err := bson.MarshalExtJSON(d, false, false)
		if err != nil {
			b.Fatal(err)
		}
		file.Write(line)
		file.WriteString("\n")
	}
	path := filepath.Join(b.TempDir(), "clients.json")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		tg := newTarget(b)
		b.StartTimer()
		start := time.Now()
		code, rep, out := tg.migrateRun(b, "-from", path)
		elapsed += time.Since(start)
		if code != exitOK || rep.Imported != *benchClients {
			b.Fatalf("exit %d, imported %d\n%s", code, rep.Imported, out)
		}
	}
	b.ReportMetric(float64(*benchClients)*float64(b.N)/elapsed.Seconds(), "clients/s")
}
