package redact

import "testing"

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"mail me at ana@x.com",
		"[EMAIL_1] ana@x.com [EMAIL_2",
		"+55 (11) 91234-5678 cpf 529.982.247-25 dni 12345678Z",
		"nací el 3 de marzo de 1990, cc 1.020.304.050",
		"2001:db8::1 192.168.0.1 ES91 2100 0418 4502 0005 1332",
		"olá 📞 612 345 678 ção",
		"x-1234567-l LOOA531113HTCPBN07 GODE561231GR8",
		"\xff\xfe@\xc3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fs := Detect(in)
		// Rune boundaries as Go decodes them: an invalid byte is a rune of
		// its own.
		boundary := map[int]bool{len(in): true}
		for i := range in {
			boundary[i] = true
		}
		prev := 0
		for i, x := range fs {
			if x.Start < prev || x.End <= x.Start || x.End > len(in) {
				t.Fatalf("Detect(%q)[%d] = [%d:%d], want sorted, non-empty, non-overlapping", in, i, x.Start, x.End)
			}
			if in[x.Start:x.End] != x.Text {
				t.Fatalf("Detect(%q)[%d].Text = %q, want %q", in, i, x.Text, in[x.Start:x.End])
			}
			if !boundary[x.Start] || !boundary[x.End] {
				t.Fatalf("Detect(%q)[%d] = [%d:%d], not on rune boundaries", in, i, x.Start, x.End)
			}
			prev = x.End
		}
		out, m := Redact(in)
		if back, want := m.Restore(out), firstSpellings(in); back != want {
			t.Fatalf("Restore(Redact(%q)) = %q, want %q (redacted %q)", in, back, want, out)
		}
		_ = Sensitive(in)
	})
}
