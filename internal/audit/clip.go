package audit

import (
	"fmt"
	"unicode/utf8"
)

// ClipLen is how much of a value a caller controls (a header, a user
// agent, a username, a path) an event quotes: enough to recognise it, too
// little to bloat the log or to make the event too long to append, which
// would let a caller dodge the audit log with a 60 KB header.
const ClipLen = 200

// Clip returns s cut to at most n bytes on a UTF-8 boundary, with a marker
// saying how many bytes were left out, so the event still records that
// the value was there and how big it was. s is returned unchanged if it
// fits.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// The marker for len(s) is at least as long as the final one.
	keep := max(0, n-len(fmt.Sprintf("…[+%d bytes]", len(s))))
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + fmt.Sprintf("…[+%d bytes]", len(s)-keep)
}

// ClipFields cuts every text field of e to the longest Validate accepts,
// so an event naming oversized input is still appended instead of
// refused. Callers quoting caller-controlled values should Clip them to
// ClipLen first; this is the safety net.
func (e *Event) ClipFields() {
	for _, f := range []*string{&e.ActorID, &e.Action, &e.Target, &e.Reason, &e.RequestID, &e.SourceIP} {
		*f = Clip(*f, maxField)
	}
}
