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
	"fmt"
	"io"
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

// maxLine bounds one line of an export file: a client with a long call
// history is a large document, and MongoDB's own limit is 16 MiB.
const maxLine = 17 << 20

// ReadFile reads a mongoexport file: one Extended JSON v2 document per
// line, relaxed or canonical, parsed by the driver's bson package. Blank
// lines are skipped; a line that is not a document is Unreadable.
func ReadFile(r io.Reader) ([]Document, []Unreadable, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var docs []Document
	var bad []Unreadable
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var d bson.D
		if err := bson.UnmarshalExtJSON(line, false, &d); err != nil {
			bad = append(bad, Unreadable{Where: fmt.Sprintf("line %d", n), Reason: "not an Extended JSON document: " + firstLine(err)})
			continue
		}
		where := fmt.Sprintf("line %d", n)
		if id, ok := lookup(d, "_id"); ok {
			where += " (_id " + idString(id) + ")"
		}
		docs = append(docs, Document{Where: where, Doc: d})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read file: %w", err)
	}
	return docs, bad, nil
}

// ReadMongo reads every document of collection coll in database db at uri
// (mongodb:// or mongodb+srv://) with the official driver.
func ReadMongo(ctx context.Context, uri, db, coll string, timeout time.Duration) ([]Document, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(timeout).SetConnectTimeout(timeout))
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	defer func() { _ = c.Disconnect(context.WithoutCancel(ctx)) }()
	if err := c.Ping(ctx, nil); err != nil {
		return nil, fmt.Errorf("MongoDB at %s cannot be reached: %w", redact(uri), err)
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
		return id
	default:
		return fmt.Sprint(id)
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
