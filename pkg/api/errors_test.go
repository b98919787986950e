package api_test

// fieldKey is the "field" member an error body carries before statusCode
// when it is about one field ("" for none).
func fieldKey(field string) string {
	if field == "" {
		return ""
	}
	return `"field":"` + field + `",`
}
