package migrate

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// line is one export line of a valid original client with the given
// createdAt and updatedAt (Extended JSON values, "" for absent) and any
// extra top-level fields.
func line(id, createdAt, updatedAt string, extra ...string) string {
	s := `{"_id":{"$oid":"650a0000000000000000002a"},"clientId":` + jsonText(id) +
		`,"clientSecret":"old-secret","agentId":"agent_1","twilioPhoneNumber":"+18005550100","status":"Active",` +
		`"clientMeta":{"fullName":"A Client","email":"a@example.com","phone":"+14155550100"}`
	if createdAt != "" {
		s += `,"createdAt":` + createdAt
	}
	if updatedAt != "" {
		s += `,"updatedAt":` + updatedAt
	}
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func dateMillis(ms int64) string { return fmt.Sprintf(`{"$date":{"$numberLong":"%d"}}`, ms) }

func TestConvertRefusesDatesTheServiceCannotServe(t *testing.T) {
	const outside = "is outside the years this service can store (0 to 9999)"
	ok := `{"$date":"2025-03-19T10:00:00.000Z"}`
	for _, tc := range []struct {
		name               string
		createdAt, updated string
		field, reason      string // "" when the document is imported
	}{
		{"year 10000", dateMillis(253402300800000), ok, "createdAt", "createdAt " + outside},
		{"negative year", dateMillis(-62198755200000), ok, "createdAt", "createdAt " + outside},
		{"int64 max", dateMillis(math.MaxInt64), ok, "createdAt", "createdAt " + outside},
		{"int64 min", dateMillis(math.MinInt64), ok, "createdAt", "createdAt " + outside},
		{"updatedAt in year 10000", ok, dateMillis(253402300800000), "updatedAt", "updatedAt " + outside},
		{"updatedAt int64 max", ok, dateMillis(math.MaxInt64), "updatedAt", "updatedAt " + outside},
		{"updatedAt not a date", ok, `"yesterday"`, "updatedAt", "updatedAt is not a date"},
		{"updatedAt a number", ok, `42`, "updatedAt", "updatedAt is not a date"},
		{"createdAt text of year 10000", `"10000-01-01T00:00:00Z"`, ok, "createdAt", "createdAt is not a date"},
		{"the last millisecond of 9999", dateMillis(253402300799999), dateMillis(253402300799999), "", ""},
		{"the first of year 0", dateMillis(-62167219200000), ok, "", ""},
		{"no dates: the ObjectID's", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, bad, err := ReadFile(strings.NewReader(line("client_1", tc.createdAt, tc.updated)))
			if err != nil || len(bad) != 0 || len(docs) != 1 {
				t.Fatalf("read: %v %v", bad, err)
			}
			c, r := convert(client.NewRules(), docs[0])
			if tc.field == "" {
				if r != nil {
					t.Fatalf("refused: %+v", r)
				}
				for _, at := range []time.Time{c.client.CreatedAt, c.client.UpdatedAt} {
					if back, err := client.ParseTime(client.FormatTime(at)); err != nil || !back.Equal(at) {
						t.Errorf("%v does not read back: %v %v", at, back, err)
					}
				}
				return
			}
			if r == nil {
				t.Fatalf("imported with createdAt %v, updatedAt %v", c.client.CreatedAt, c.client.UpdatedAt)
			}
			want := "line 1 (_id 650a0000000000000000002a): " + tc.reason
			if r.Field != tc.field || r.Reason != want || r.ClientID != "client_1" {
				t.Errorf("refusal = %+v\nwant field %s, reason %q", r, tc.field, want)
			}
		})
	}
}

func TestRunShowsTheSourceEscaped(t *testing.T) {
	// Every document here is refused before any I/O, so the run needs no
	// table: a nil Store would fail the test if it were reached.
	hostile := []string{
		"x\n  refused client_ok [clientId]: forged line",
		"esc\x1b[2Jclear",
		"cr\roverwrite",
		"bell\a",
		"nul\x00",
		"rtl\u202eexe.txt",
	}
	var file strings.Builder
	for _, id := range hostile {
		file.WriteString(line(id, "", "") + "\n")
	}
	// A dropped field name, at the top and inside clientMeta.
	file.WriteString(`{"clientId":"c\u001b]0;x\u0007","` + "\\u202e" + `evil":1,"clientMeta":{"a\nb":1}}` + "\n")
	docs, bad, err := ReadFile(strings.NewReader(file.String()))
	if err != nil || len(bad) != 0 {
		t.Fatal(bad, err)
	}
	m := &Migration{Rules: client.NewRules(), DryRun: true}
	rep, err := m.Run(t.Context(), docs, bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Refused) != len(hostile)+1 {
		t.Fatalf("refused %d, want %d: %+v", len(rep.Refused), len(hostile)+1, rep.Refused)
	}
	report, _ := json.Marshal(rep)
	summary := rep.Summary(true)
	for _, shown := range []struct{ name, text string }{{"summary", summary}, {"report", string(report)}} {
		for _, r := range terminalActive {
			if r != "\n" && strings.Contains(shown.text, r) { // "\n" separates the summary's lines
				t.Errorf("the %s holds %q:\n%s", shown.name, r, shown.text)
			}
		}
	}
	// One line per refusal: the forged line is inside a quoted id.
	var refusedLines int
	for _, l := range strings.Split(summary, "\n") {
		if strings.HasPrefix(l, "  refused ") {
			refusedLines++
			if strings.HasPrefix(l, "  refused client_ok") {
				t.Errorf("a forged line: %q", l)
			}
		}
	}
	if refusedLines != len(hostile)+1 {
		t.Errorf("%d refused lines, want %d:\n%s", refusedLines, len(hostile)+1, summary)
	}
	for _, want := range []string{`"\u202eevil"`, `clientMeta."a\nb"`} {
		if rep.DroppedFields[want] != 1 {
			t.Errorf("droppedFields[%s] = %d: %v", want, rep.DroppedFields[want], rep.DroppedFields)
		}
	}
	if got := rep.Refused[0].ClientID; got != `"x\n  refused client_ok [clientId]: forged line"` {
		t.Errorf("clientId shown as %s", got)
	}
}

func TestRunNeverShowsASecretValue(t *testing.T) {
	// A secret of every type the original could hold, in clientSecret and
	// in fields named like secrets: refused or dropped, never shown.
	var file strings.Builder
	for i, v := range []string{
		`{"$numberLong":"1234567890123"}`, `{"$numberInt":"424242"}`, `{"$numberDouble":"3.14159"}`,
		`{"$numberDecimal":"9.99"}`, `{"$binary":{"base64":"UzNjcjN0","subType":"00"}}`,
		`{"$date":"2025-01-01T00:00:00Z"}`, `["S3cr3t"]`, `{"nested":"S3cr3t"}`, `true`,
	} {
		file.WriteString(line(fmt.Sprintf("client_%d", i), "", "", `"clientSecret":`+v, `"apiSecret":`+v, `"password":`+v) + "\n")
	}
	docs, bad, err := ReadFile(strings.NewReader(file.String()))
	if err != nil || len(bad) != 0 {
		t.Fatal(bad, err)
	}
	m := &Migration{Rules: client.NewRules(), DryRun: true}
	rep, err := m.Run(t.Context(), docs, bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Refused) != len(docs) {
		t.Errorf("refused %d of %d", len(rep.Refused), len(docs))
	}
	report, _ := json.Marshal(rep)
	for _, leak := range []string{"1234567890123", "424242", "3.14159", "9.99", "UzNjcjN0", "S3cr3t", "2025-01-01"} {
		if strings.Contains(rep.Summary(true), leak) || strings.Contains(string(report), leak) {
			t.Errorf("%s is shown:\n%s\n%s", leak, rep.Summary(true), report)
		}
	}
	for _, x := range rep.Refused {
		if x.Field != "clientSecret" {
			t.Errorf("refused on %s: %s", x.Field, x.Reason)
		}
	}
}
