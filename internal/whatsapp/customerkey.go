package whatsapp

import "bytes"

// CustomerKey returns the number of the customer a webhook body is about,
// without parsing it: the value of the first "wa_id", "from" or
// "recipient_id" key (a message's contact or sender, a status's
// recipient), or "" when the body names none (account and template
// updates). It only picks the body's inbox partition, so that one
// customer's messages and statuses are processed in order; a body it
// reads wrongly is still processed in full, only perhaps on another
// partition.
func CustomerKey(body []byte) string {
	best, val := -1, ""
	for _, k := range customerKeys {
		if i, v := keyValue(body, k); i >= 0 && (best < 0 || i < best) {
			best, val = i, v
		}
	}
	return val
}

var customerKeys = [][]byte{[]byte(`"wa_id"`), []byte(`"from"`), []byte(`"recipient_id"`)}

// keyValue finds the first occurrence of key (quoted) used as an object
// key, not inside a string (a quote preceded by a backslash is escaped),
// and returns where it is and its string value of digits.
func keyValue(body, key []byte) (int, string) {
	off := 0
	for {
		i := bytes.Index(body[off:], key)
		if i < 0 {
			return -1, ""
		}
		at := off + i
		off = at + len(key)
		if at > 0 && body[at-1] == '\\' {
			continue
		}
		j := off
		for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
			j++
		}
		if j >= len(body) || body[j] != ':' {
			continue
		}
		j++
		for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
			j++
		}
		if j >= len(body) || body[j] != '"' {
			continue
		}
		j++
		start := j
		for j < len(body) && body[j] >= '0' && body[j] <= '9' && j-start < 20 {
			j++
		}
		if j == start || j >= len(body) || body[j] != '"' {
			continue
		}
		return at, string(body[start:j])
	}
}
