package migrate

import (
	"bytes"
	"strings"
	"testing"
)

// secretValue is what no message may show, whichever field holds it.
const secretValue = "S3cr3t"

func TestReadFileNamesBadLinesWithoutTheirValues(t *testing.T) {
	good := `{"clientId":"c_1","clientSecret":"a"}`
	for _, tc := range []struct {
		name   string
		line   string
		reason string // the whole reason of the refused line 2
	}{
		{"not JSON", `{"clientId": "half`, "not JSON (it breaks at byte 18)"},
		{"not an object", `["S3cr3t"]`, "not a JSON object"},
		{"$numberLong secret", `{"clientId":"c","clientSecret":{"$numberLong":"S3cr3t"}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"$numberInt", `{"clientSecret":{"$numberInt":"S3cr3t"}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"$numberDouble", `{"clientSecret":{"$numberDouble":"S3cr3t"}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"$numberDecimal", `{"clientSecret":{"$numberDecimal":"S3cr3t"}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"$binary", `{"clientSecret":{"$binary":{"base64":"S3cr3t!","subType":"00"}}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"$date", `{"clientSecret":{"$date":"S3cr3t"}}`,
			"not an Extended JSON document: the value of clientSecret is not valid Extended JSON (its value is not shown)"},
		{"malformed email, nested", `{"clientId":"c","clientMeta":{"fullName":"x","email":{"$numberLong":"S3cr3t"}}}`,
			"not an Extended JSON document: the value of clientMeta.email is not valid Extended JSON (its value is not shown)"},
		{"hostile field name", "{\"a\\u001b[2Jb\":{\"$date\":\"S3cr3t\"}}",
			`not an Extended JSON document: the value of "a\x1b[2Jb" is not valid Extended JSON (its value is not shown)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, bad, err := ReadFile(strings.NewReader(good + "\n" + tc.line + "\n" + good + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 2 || len(bad) != 1 {
				t.Fatalf("%d documents, %d unreadable; want 2 and 1", len(docs), len(bad))
			}
			if bad[0].Where != "line 2" || bad[0].Reason != tc.reason {
				t.Errorf("unreadable = %q: %q\nwant      line 2: %q", bad[0].Where, bad[0].Reason, tc.reason)
			}
			if strings.Contains(bad[0].Reason, secretValue) {
				t.Errorf("the reason shows the value: %q", bad[0].Reason)
			}
		})
	}
}

func TestReadFileRefusesALineTooLongNamingIt(t *testing.T) {
	const limit = 1 << 20
	long := `{"clientId":"c_long","notes":"` + strings.Repeat("x", limit) + `"}`
	for _, tc := range []struct {
		name      string
		file      string
		wantDocs  int
		wantWhere string
	}{
		{"in the middle", "{\"clientId\":\"a\"}\n" + long + "\n{\"clientId\":\"b\"}\n", 2, "line 2"},
		{"last, without a newline", "{\"clientId\":\"a\"}\n\n" + long, 1, "line 3"},
		{"first", long + "\n{\"clientId\":\"b\"}", 1, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, bad, err := readLines(strings.NewReader(tc.file), limit)
			if err != nil {
				t.Fatalf("the read stopped: %v", err)
			}
			if len(docs) != tc.wantDocs || len(bad) != 1 {
				t.Fatalf("%d documents, %d unreadable", len(docs), len(bad))
			}
			if bad[0].Where != tc.wantWhere || bad[0].Reason != "longer than 1 MiB, the limit of one document's line" {
				t.Errorf("unreadable = %+v", bad[0])
			}
		})
	}
	// A line of exactly the limit is read.
	exact := `{"a":"` + strings.Repeat("x", limit-8) + `"}`
	if docs, bad, err := readLines(strings.NewReader(exact+"\n"), limit); err != nil || len(docs) != 1 || len(bad) != 0 {
		t.Errorf("a line of the limit: %d documents, %v, %v", len(docs), bad, err)
	}
}

func TestReadFileKeepsTheRealLimit(t *testing.T) {
	// A 17 MiB + 1 line (over MaxLine) is refused, and the file read on.
	var b bytes.Buffer
	b.WriteString(`{"clientId":"c","notes":"`)
	b.WriteString(strings.Repeat("x", MaxLine))
	b.WriteString("\"}\n{\"clientId\":\"d\"}\n")
	docs, bad, err := ReadFile(&b)
	if err != nil || len(docs) != 1 || len(bad) != 1 || bad[0].Where != "line 1" || !strings.Contains(bad[0].Reason, "17 MiB") {
		t.Errorf("docs %d, unreadable %+v, err %v", len(docs), bad, err)
	}
}

func TestScrubKeepsCredentialsOutOfMessages(t *testing.T) {
	for _, tc := range []struct{ uri, msg string }{
		{"mongodb://admin:hunter2@db.example:27017/outbound", "auth failed for admin:hunter2 at db.example"},
		{"mongodb://admin:p%40ss@db.example/outbound", "bad password p@ss"},
		{"mongodb+srv://only-user@cluster/outbound", "user only-user unknown"},
	} {
		got := scrub(errorString(tc.msg), tc.uri)
		for _, leak := range []string{"hunter2", "p@ss", "p%40ss", "only-user"} {
			if strings.Contains(got, leak) {
				t.Errorf("scrub(%q) = %q shows %s", tc.msg, got, leak)
			}
		}
		if r := redact(tc.uri); strings.Contains(r, "@") || strings.Contains(r, "admin") {
			t.Errorf("redact(%q) = %q", tc.uri, r)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
