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
		// names, addresses, postal codes, other identifiers, normalisation
		"me llamo María José Fernández de la Vega, vivo en C/ Mayor 3, 2º B, 28013 Madrid",
		"sou o João Pedro da Silva, Rua Augusta 1500, apto 12, CEP 01310-100",
		"this is Sarah O\u2019Neill, 221B Baker Street, London NW1 6XE, TX 78701-1234",
		"josé.martínez@correo.es ñandú@gmail.com ana\u200b@x.com ａｎａ＠ｘ．ｃｏｍ",
		"+34\u00a0691\u202f938\u2011592 ６９１ cpf 529.982.247\u201125 ٣٤",
		"691 938 y termina en 592, 6 9 1 9 3 8 5 9 2, nací el tres de marzo del 90",
		"passport X12345678 cuit 20-12345678-6 cbu 2850590940090418135201 placa ABC1D23 cvv 123",
		"chave pix 123e4567-e89b-42d3-a456-426614174000 agência 1234-5 conta 67890-1 rg 12.345.678-X",
		"Calle 45 # 12-34 apto 301 Av. 9 de Julio 1234 C.P. 06700 C1425ABC",
	} {
		f.Add(s)
	}
	business := NewDetector(Options{Business: true, Allow: []string{"Calle Mayor 12", "Carolina Herrera"}})
	f.Fuzz(func(t *testing.T, in string) {
		checkFindings(t, in, business.Detect(in))
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

// checkFindings checks what every Detector promises: findings sorted,
// non-empty, non-overlapping, inside the text, Text equal to the slice.
func checkFindings(t *testing.T, in string, fs []Finding) {
	t.Helper()
	prev := 0
	for i, x := range fs {
		if x.Start < prev || x.End <= x.Start || x.End > len(in) || in[x.Start:x.End] != x.Text {
			t.Fatalf("Detector.Detect(%q)[%d] = %+v, want sorted, non-empty, non-overlapping slices of the input", in, i, x)
		}
		prev = x.End
	}
}
