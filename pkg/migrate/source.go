// Package migrate moves the original service's clients (its MongoDB
// "clients" collection, or a mongoexport file of it) into this service's
// table. Every client goes through the rules of POST /admin/clients
// (client.Rules.CheckCreate, on the fields the document names) and is
// written by store.Create: one transaction with its email and Twilio
// number locks, whole or not at all.
package migrate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Document is one client document of the source and where it came from,
// for messages: "line 7" of a file, or its _id.
type Document struct {
	Where string
	Doc   bson.D
}

// Unreadable is a part of the source that is not a document (a line of a
// file that is not Extended JSON); it is reported, never imported.
type Unreadable struct {
	Where  string
	Reason string
}

// MaxLine bounds one line of an export file: a client with a long call
// history is a large document, and MongoDB's own limit is 16 MiB of BSON,
// which Extended JSON spells in somewhat more.
const MaxLine = 17 << 20

// ReadFile reads a mongoexport file: one Extended JSON v2 document per
// line, relaxed or canonical, parsed by the driver's bson package. Blank
// lines are skipped; a line that is not a document, or is longer than
// MaxLine, is Unreadable (named by its number), and reading goes on.
func ReadFile(r io.Reader) ([]Document, []Unreadable, error) {
	return readLines(r, MaxLine)
}

func readLines(r io.Reader, limit int) ([]Document, []Unreadable, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var docs []Document
	var bad []Unreadable
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, limit)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read file at line %d: %w", n, err)
		}
		where := fmt.Sprintf("line %d", n)
		if tooLong {
			bad = append(bad, Unreadable{Where: where, Reason: fmt.Sprintf("longer than %d MiB, the limit of one document's line", limit>>20)})
			continue
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var d bson.D
		if err := bson.UnmarshalExtJSON(line, false, &d); err != nil {
			// The parser's message quotes the value it refused (a secret,
			// an email): the reason names the field instead.
			bad = append(bad, Unreadable{Where: where, Reason: whyUnreadable(line)})
			continue
		}
		if id, ok := lookup(d, "_id"); ok {
			where += " (_id " + idString(id) + ")"
		}
		docs = append(docs, Document{Where: where, Doc: d})
	}
	return docs, bad, nil
}

// readLine reads one line without its newline. A line longer than limit is
// read to its end and dropped (tooLong): memory stays bounded by limit.
// io.EOF comes only when nothing is left.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit+1 { // +1: the newline
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && (len(line) > 0 || tooLong || len(chunk) > 0):
			return line, tooLong, nil
		case err != nil:
			return nil, false, err
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, nil
	}
}

// whyUnreadable says why line is not an Extended JSON document without
// quoting any of it: where the JSON breaks, or which field holds a value
// that is no valid Extended JSON (a $numberLong, $date, $binary… that does
// not parse).
func whyUnreadable(line []byte) string {
	var v any
	if err := json.Unmarshal(line, &v); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return fmt.Sprintf("not JSON (it breaks at byte %d)", se.Offset)
		}
		return "not JSON"
	}
	if _, ok := v.(map[string]any); !ok {
		return "not a JSON object"
	}
	if path := badValue(line, ""); path != "" {
		return "not an Extended JSON document: the value of " + path + " is not valid Extended JSON (its value is not shown)"
	}
	return "not an Extended JSON document"
}

// badValue is the path of the first field of the JSON object obj whose
// value the driver refuses, going into sub-documents that are no Extended
// JSON value themselves ($-keyed); "" when it finds none.
func badValue(obj []byte, prefix string) string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return ""
		}
		path := prefix + quote(key)
		one, _ := json.Marshal(map[string]json.RawMessage{"v": raw})
		var d bson.D
		if bson.UnmarshalExtJSON(one, false, &d) == nil {
			continue
		}
		if inner := bytes.TrimSpace(raw); len(inner) > 0 && inner[0] == '{' && !strings.HasPrefix(key, "$") {
			if sub := badValue(raw, path+"."); sub != "" {
				return sub
			}
		}
		return path
	}
	return ""
}

// ReadMongo reads every document of collection coll in database db at uri
// (mongodb:// or mongodb+srv://) with the official driver.
func ReadMongo(ctx context.Context, uri, db, coll string, timeout time.Duration) ([]Document, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(timeout).SetConnectTimeout(timeout))
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB at %s: %s", redact(uri), scrub(err, uri))
	}
	defer func() { _ = c.Disconnect(context.WithoutCancel(ctx)) }()
	if err := c.Ping(ctx, nil); err != nil {
		return nil, fmt.Errorf("MongoDB at %s cannot be reached: %s", redact(uri), scrub(err, uri))
	}
	cur, err := c.Database(db).Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", db, coll, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var docs []Document
	for n := 1; cur.Next(ctx); n++ {
		var d bson.D
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("decode document %d of %s.%s: %w", n, db, coll, err)
		}
		where := fmt.Sprintf("document %d", n)
		if id, ok := lookup(d, "_id"); ok {
			where = "_id " + idString(id)
		}
		docs = append(docs, Document{Where: where, Doc: d})
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", db, coll, err)
	}
	return docs, nil
}

// IsMongoURI reports whether from names a MongoDB server rather than a file.
func IsMongoURI(from string) bool {
	return strings.HasPrefix(from, "mongodb://") || strings.HasPrefix(from, "mongodb+srv://")
}

// redact drops the user information of a MongoDB URI, for messages.
func redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "the given URI"
	}
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}

func lookup(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

func idString(v any) string {
	switch id := v.(type) {
	case bson.ObjectID:
		return id.Hex()
	case string:
		return quote(id)
	default:
		return quote(fmt.Sprint(id))
	}
}

// scrub is err's message without the user information of uri (the
// driver's parse errors may quote parts of the URI), escaped.
func scrub(err error, uri string) string {
	msg := err.Error()
	_, rest, _ := strings.Cut(uri, "://")
	host := strings.SplitN(rest, "/", 2)[0]
	if at := strings.LastIndex(host, "@"); at >= 0 {
		info := host[:at]
		for _, part := range append([]string{info}, strings.Split(info, ":")...) {
			if part == "" {
				continue
			}
			msg = strings.ReplaceAll(msg, part, "***")
			if dec, err := url.PathUnescape(part); err == nil && dec != "" {
				msg = strings.ReplaceAll(msg, dec, "***")
			}
		}
	}
	return escape(msg)
}
