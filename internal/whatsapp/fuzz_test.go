package whatsapp

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseNotification checks that ParseNotification never panics, that
// it is deterministic, and that the flattened view of anything it accepts
// can be rendered. The seed corpus is every fixture in
// testdata/notifications, one per payload type in the spec.
func FuzzParseNotification(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "notifications", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	if len(paths) == 0 {
		f.Fatal("no seed fixtures in testdata/notifications")
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[null,1,"x",{}]}}]}]}`))

	f.Fuzz(func(t *testing.T, raw []byte) {
		n1, err1 := ParseNotification(raw)
		n2, err2 := ParseNotification(raw)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("ParseNotification() errors differ: %v vs %v", err1, err2)
		}
		if !reflect.DeepEqual(n1, n2) {
			t.Fatalf("ParseNotification() results differ between two calls")
		}
		if err1 != nil {
			if n1 != nil {
				t.Fatalf("ParseNotification() = %v with error %v, want nil", n1, err1)
			}
			return
		}
		ev := n1.Events()
		if got := len(ev.Messages) + len(ev.Statuses) + len(ev.Errors); got > MaxEvents {
			t.Fatalf("len(events) = %d, want <= %d", got, MaxEvents)
		}
		for _, m := range ev.Messages {
			_ = m.Summary()
			if m.Kind != m.Message.Kind() {
				t.Fatalf("Kind = %q, Message.Kind() = %q; want equal", m.Kind, m.Message.Kind())
			}
		}
		if !reflect.DeepEqual(ev, n2.Events()) {
			t.Fatalf("Events() differ between two parses")
		}
	})
}
