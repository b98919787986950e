package testkit

// OriginalCreateBody is the create request of the original service's
// client-creation document, as its users send it: their own client id, a
// GoHighLevel calendar id (calId) and no secret. It must create a client
// (201, calId echoed) unchanged.
const OriginalCreateBody = `{
    "clientId": "5C3JSOVVFiVmBoh8mv3I",
    "calId": "e0JBV5PARC9sbebxcYnY",
    "clientMeta": {
      "fullName": "Paul Giovanatto",
      "email": "paul@affinitydesign.ca",
      "phone": "+19058363456",
      "businessName": "Affinity Design",
      "city": "Canada",
      "jobTitle": "CEO",
      "notes": "The Boss ;)"
    },
    "agentId": "qvu7240QhEUKLultBI7i",
    "twilioPhoneNumber": "+18632704910",
    "status": "Active"
  }`

// The id and calendar id of OriginalCreateBody.
const (
	OriginalID    = "5C3JSOVVFiVmBoh8mv3I"
	OriginalCalID = "e0JBV5PARC9sbebxcYnY"
)
