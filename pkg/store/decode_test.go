package store

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// unmarshalRecord is how decodeRecord read a client item's own attributes
// before it decoded them by hand: the reference it is held to.
func unmarshalRecord(item map[string]types.AttributeValue) (record, error) {
	var r record
	err := attributevalue.UnmarshalMap(item, &r)
	return r, err
}

// attributeShapes are one value of every attribute type, and NULL.
func attributeShapes() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"S":       &types.AttributeValueMemberS{Value: "2026-12-04T08:00:00.000Z"},
		"S empty": &types.AttributeValueMemberS{Value: ""},
		"N":       &types.AttributeValueMemberN{Value: "42"},
		"N big":   &types.AttributeValueMemberN{Value: "9223372036854775808"},
		"N frac":  &types.AttributeValueMemberN{Value: "1.5"},
		"N neg":   &types.AttributeValueMemberN{Value: "-7"},
		"N lead0": &types.AttributeValueMemberN{Value: "010"},
		"N hex":   &types.AttributeValueMemberN{Value: "0x1F"},
		"B":       &types.AttributeValueMemberB{Value: []byte("x")},
		"BOOL":    &types.AttributeValueMemberBOOL{Value: true},
		"NULL":    &types.AttributeValueMemberNULL{Value: true},
		"L":       &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		"M":       &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"action": &types.AttributeValueMemberS{Value: "update"}}},
		"M empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		"SS":      &types.AttributeValueMemberSS{Value: []string{"x"}},
		"NS":      &types.AttributeValueMemberNS{Value: []string{"1"}},
		"BS":      &types.AttributeValueMemberBS{Value: [][]byte{[]byte("x")}},
	}
}

func validItem() map[string]types.AttributeValue {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	return map[string]types.AttributeValue{
		"pk": s("CLIENT#c1"), "clientId": s("c1"), "emailKey": s("john@example.com"),
		"createdAt": s("2026-12-01T00:00:00.000Z"), "updatedAt": s("2026-12-02T00:00:00.000Z"),
		"updatedBy": s("admin"), "version": &types.AttributeValueMemberN{Value: "3"},
		"tokensValidAfter": s("2026-12-01T00:00:00.000Z"), "secretHash": s("h"),
		"gsi1pk": s("CLIENT"), "gsi1sk": s("2026-12-01T00:00:00.000Z#c1"),
		"lastChange": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"action": s("update"), "sub": s("admin"), "role": s("admin"), "requestId": s("r1"),
			"sourceIp": s("192.0.2.1"), "at": s("2026-12-02T00:00:00.000Z"), "other": s("ignored"),
		}},
		"status": s("Active"), "unrelated": &types.AttributeValueMemberBOOL{Value: true},
	}
}

// TestDecodeRecordDecodesAsUnmarshalMapDid gives every attribute of the
// record, and every member of its lastChange, every attribute type (and
// takes each away), and wants decodeRecord to accept exactly what
// attributevalue.UnmarshalMap accepted, with the same values.
func TestDecodeRecordDecodesAsUnmarshalMapDid(t *testing.T) {
	attrs := []string{"pk", "clientId", "emailKey", "createdAt", "updatedAt", "updatedBy", "version",
		"tokensValidAfter", "secretHash", "gsi1pk", "gsi1sk", "lastChange"}
	members := []string{"action", "sub", "role", "requestId", "sourceIp", "at"}
	type variant struct {
		name string
		item map[string]types.AttributeValue
	}
	// Every attribute record declares is in the valid item, so that one
	// added to record and not to decodeRecord fails the comparison.
	rt := reflect.TypeFor[record]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("dynamodbav"), ",")
		if _, ok := validItem()[name]; name != "" && !ok {
			t.Errorf("record's %s (%s) is not in validItem", rt.Field(i).Name, name)
		}
	}
	variants := []variant{{"valid", validItem()}}
	for _, a := range attrs {
		item := validItem()
		delete(item, a)
		variants = append(variants, variant{a + " absent", item})
		for shape, av := range attributeShapes() {
			item := validItem()
			item[a] = av
			variants = append(variants, variant{a + " " + shape, item})
		}
	}
	for _, m := range members {
		for shape, av := range attributeShapes() {
			item := validItem()
			lc := maps.Clone(item["lastChange"].(*types.AttributeValueMemberM).Value)
			lc[m] = av
			item["lastChange"] = &types.AttributeValueMemberM{Value: lc}
			variants = append(variants, variant{"lastChange." + m + " " + shape, item})
		}
	}
	for _, v := range variants {
		want, wantErr := unmarshalRecord(v.item)
		got, gotErr := decodeRecord(v.item)
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%s: decodeRecord error %v, UnmarshalMap error %v", v.name, gotErr, wantErr)
			continue
		}
		if gotErr != nil {
			continue
		}
		got.fields = record{}.fields
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decodeRecord gave\n%+v\nUnmarshalMap gave\n%+v", v.name, got, want)
		}
		if got.LastChange != nil && *got.LastChange != *want.LastChange {
			t.Errorf("%s: lastChange %+v, want %+v", v.name, *got.LastChange, *want.LastChange)
		}
	}
}

// TestStampEncodesAsMarshalMapDid holds lastChange.attr to
// attributevalue.MarshalMap of the same stamp, omitempty members empty
// and set.
func TestStampEncodesAsMarshalMapDid(t *testing.T) {
	for _, l := range []lastChange{
		{},
		{Action: "update", ActorSub: "admin", ActorRole: "admin", At: "2026-12-02T00:00:00.000Z"},
		{Action: "update", ActorSub: "admin", ActorRole: "admin", RequestID: "r1", SourceIP: "192.0.2.1", At: "x"},
	} {
		want, err := attributevalue.MarshalMap(l)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.attr().(*types.AttributeValueMemberM).Value; !reflect.DeepEqual(got, want) {
			t.Errorf("attr of %+v = %v, MarshalMap gave %v", l, got, want)
		}
		back, err := decodeStamp(l.attr())
		if err != nil || back != l {
			t.Errorf("decodeStamp(attr of %+v) = %+v, %v", l, back, err)
		}
	}
}
