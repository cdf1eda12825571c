package redact

import (
	"slices"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
		values         []string
	}{
		{"email", "mail me at ana@x.com", "mail me at [EMAIL_1]", []string{"ana@x.com"}},
		{"same value same placeholder", "ana@x.com or ana@x.com?", "[EMAIL_1] or [EMAIL_1]?", []string{"ana@x.com"}},
		{"numbering per type", "ana@x.com, bia@y.com, cpf 529.982.247-25", "[EMAIL_1], [EMAIL_2], cpf [CPF_1]", []string{"ana@x.com", "bia@y.com", "529.982.247-25"}},
		{"nothing", "pedido #123456 por R$ 1.299,90", "pedido #123456 por R$ 1.299,90", nil},
		{"literal placeholder skipped", "[EMAIL_1] is not mine, ana@x.com is", "[EMAIL_1] is not mine, [EMAIL_2] is", []string{"ana@x.com"}},
		{"type with underscore", "dni 12345678Z", "dni [DNI_ES_1]", []string{"12345678Z"}},
		// one placeholder per value, every spelling in Values (issue 16)
		{"phone spaced and compact", "+34 691 938 592 o +34691938592", "[PHONE_1] o [PHONE_1]", []string{"+34 691 938 592", "+34691938592"}},
		{"phone 00 and +", "+34 691 938 592 y 0034 691 938 592", "[PHONE_1] y [PHONE_1]", []string{"+34 691 938 592", "0034 691 938 592"}},
		{"email case-folded", "ana@gmail.com, Ana@Gmail.com", "[EMAIL_1], [EMAIL_1]", []string{"ana@gmail.com", "Ana@Gmail.com"}},
		{"cpf formatted and bare", "cpf 529.982.247-25 ou 52998224725", "cpf [CPF_1] ou [CPF_1]", []string{"529.982.247-25", "52998224725"}},
		{"no-break space is the same phone", "+34\u00a0691 938 592, +34 691 938 592", "[PHONE_1], [PHONE_1]", []string{"+34\u00a0691 938 592", "+34 691 938 592"}},
		{"different values differ", "ana@gmail.com, ana@gmail.es", "[EMAIL_1], [EMAIL_2]", []string{"ana@gmail.com", "ana@gmail.es"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, m := Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if v := m.Values(); !slices.Equal(v, tt.values) {
				t.Errorf("Redact(%q).Values() = %q, want %q", tt.in, v, tt.values)
			}
			if back, want := m.Restore(got), firstSpellings(tt.in); back != want {
				t.Errorf("Restore(Redact(%q)) = %q, want %q", tt.in, back, want)
			}
		})
	}
}

// firstSpellings is what Restore(Redact(in)) gives back: in, with each
// value written as it was first spelled ("+34691938592" after
// "+34 691 938 592" comes back as "+34 691 938 592").
func firstSpellings(in string) string {
	first := map[valueKey]string{}
	var b strings.Builder
	last := 0
	for _, f := range Detect(in) {
		k := valueKey{f.Type, valueOf(f.Type, f.Text)}
		if _, ok := first[k]; !ok {
			first[k] = f.Text
		}
		b.WriteString(in[last:f.Start])
		b.WriteString(first[k])
		last = f.End
	}
	b.WriteString(in[last:])
	return b.String()
}

func TestRedactMore(t *testing.T) {
	first, m := Redact("soy ana@x.com, tel +34 612 345 678")
	if want := "soy [EMAIL_1], tel [PHONE_1]"; first != want {
		t.Fatalf("Redact = %q, want %q", first, want)
	}
	second := m.RedactMore("el otro es bia@y.com, el mío ana@x.com")
	if want := "el otro es [EMAIL_2], el mío [EMAIL_1]"; second != want {
		t.Errorf("RedactMore = %q, want %q", second, want)
	}
	reply := "Listo: escribiremos a [EMAIL_1] y llamaremos al [PHONE_1]; [EMAIL_9] no existe."
	if got, want := m.Restore(reply), "Listo: escribiremos a ana@x.com y llamaremos al +34 612 345 678; [EMAIL_9] no existe."; got != want {
		t.Errorf("Restore(%q) = %q, want %q", reply, got, want)
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len() = %d, want 3", got)
	}
}

func TestRestoreNil(t *testing.T) {
	var m *Mapping
	if got := m.Restore("[EMAIL_1]"); got != "[EMAIL_1]" {
		t.Errorf("nil.Restore = %q, want input unchanged", got)
	}
	if got := m.Values(); got != nil {
		t.Errorf("nil.Values() = %q, want nil", got)
	}
}

func TestPlaceholderEnd(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"[EMAIL_1]", 9},
		{"[DNI_ES_12] x", 11},
		{"[EMAIL_]", -1},
		{"[EMAIL_1", -1},
		{"[email_1]", -1},
		{"[_1]", 4}, // parses; Restore only replaces what the Mapping knows
	}
	for _, tt := range tests {
		if got := placeholderEnd(tt.in, 0); got != tt.want {
			t.Errorf("placeholderEnd(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestRedactValuesIsRedactMoreAndDetect: one pass gives what RedactMore
// and Detect give separately, numbering included.
func TestRedactValuesIsRedactMoreAndDetect(t *testing.T) {
	texts := []string{
		"write to ana@example.com or call +34 612 345 678",
		"no personal data here",
		"again ana@example.com, and my DNI is 12345678Z",
	}
	_, two := Redact("")
	_, one := Redact("")
	for _, text := range texts {
		wantText := two.RedactMore(text)
		var want []string
		for _, f := range Detect(text) {
			want = append(want, f.Text)
		}
		got, vals := one.RedactValues(text)
		if got != wantText || !slices.Equal(vals, want) && len(vals)+len(want) > 0 {
			t.Errorf("RedactValues(%q) = %q, %q; want %q, %q", text, got, vals, wantText, want)
		}
	}
}
