package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// TestItemLayout pins a client item as stored: the table's fields under
// their attributes (clientMeta as a map, an unset removable field absent),
// the search copies always present, and the item reads back as the client.
func TestItemLayout(t *testing.T) {
	at := time.Date(2025, 3, 20, 14, 30, 0, 0, time.UTC)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	full := client.Client{
		ClientID: "c1", Status: client.StatusActive, AgentID: "a1", TwilioPhoneNumber: "+18005551234", CalID: "cal",
		Meta: client.Meta{FullName: "Ada L", Email: "Ada@Example.com", Phone: "+12125551234", BusinessName: "Acme",
			City: "Chicago", JobTitle: "CTO", Notes: "n"},
		CreatedAt: at, UpdatedAt: at, UpdatedBy: "admin", TokensValidAfter: at, Version: 3,
	}
	bare := full
	bare.CalID, bare.Meta = "", client.Meta{FullName: "Ada L", Email: "ada@example.com"}
	stamps := func(item map[string]types.AttributeValue) map[string]types.AttributeValue {
		for k, v := range map[string]types.AttributeValue{
			"pk": s("CLIENT#c1"), "clientId": s("c1"), "createdAt": s("2025-03-20T14:30:00.000Z"),
			"updatedAt": s("2025-03-20T14:30:00.000Z"), "updatedBy": s("admin"), "version": &types.AttributeValueMemberN{Value: "3"},
			"tokensValidAfter": s("2025-03-20T14:30:00.000Z"), "gsi1pk": s("CLIENT"), "gsi1sk": s("2025-03-20T14:30:00.000Z#c1"),
			"status": s("Active"), "agentId": s("a1"), "twilioPhoneNumber": s("+18005551234"),
		} {
			item[k] = v
		}
		return item
	}
	for _, tc := range []struct {
		name string
		c    client.Client
		want map[string]types.AttributeValue
	}{
		{"every field set", full, stamps(map[string]types.AttributeValue{
			"calId": s("cal"),
			"clientMeta": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"fullName": s("Ada L"), "email": s("Ada@Example.com"), "phone": s("+12125551234"), "businessName": s("Acme"),
				"city": s("Chicago"), "jobTitle": s("CTO"), "notes": s("n"),
			}},
			"searchFullName": s("ada l"), "searchEmail": s("ada@example.com"), "searchBusinessName": s("acme"),
		})},
		{"removable fields unset", bare, stamps(map[string]types.AttributeValue{
			"clientMeta":     &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"fullName": s("Ada L"), "email": s("ada@example.com")}},
			"searchFullName": s("ada l"), "searchEmail": s("ada@example.com"), "searchBusinessName": s(""),
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := toRecord(tc.c)
			item, err := r.item()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(item, tc.want) {
				t.Errorf("item =\n%#v\nwant\n%#v", item, tc.want)
			}
			back, err := fromItem(item)
			if err != nil {
				t.Fatal(err)
			}
			if back != tc.c {
				t.Errorf("read back as\n%+v\nwant\n%+v", back, tc.c)
			}
		})
	}
}
