package redact

import (
	"slices"
	"testing"
)

// TestIssue16Probes holds every probe of issue 16 (what leaked when the
// gateway was probed the way customers write), one case each.
func TestIssue16Probes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		// names
		{"me llamo", "me llamo María José Fernández", []string{"NAME:María José Fernández"}},
		{"sou o", "sou o João Pedro da Silva", []string{"NAME:João Pedro da Silva"}},
		{"this is", "this is Sarah O'Neill", []string{"NAME:Sarah O'Neill"}},
		{"vivo en calle", "vivo en Calle Mayor 12", []string{"ADDRESS:Calle Mayor 12"}},

		// addresses and postal codes
		{"rua apto", "Rua Augusta 1500, apto 12, São Paulo", []string{"ADDRESS:Rua Augusta 1500, apto 12"}},
		{"c/ floor door postal", "C/ Mayor 3, 2º B, 28013 Madrid", []string{"ADDRESS:C/ Mayor 3, 2º B", "POSTAL:28013"}},
		{"cep", "CEP 01310-100", []string{"POSTAL:01310-100"}},
		{"cep alone", "é 01310-100", []string{"POSTAL:01310-100"}},
		{"zip+4", "zip code 10001-1234", []string{"POSTAL:10001-1234"}},
		{"uk postcode", "it's SW1A 1AA, London", []string{"POSTAL:SW1A 1AA"}},

		// dates of birth in words
		{"dob es words", "nací el tres de marzo de 1990", []string{"DOB:tres de marzo de 1990"}},
		{"dob es two-digit year", "nací el 3 de marzo del 90", []string{"DOB:3 de marzo del 90"}},
		{"dob en year", "I was born in 1990", []string{"DOB:1990"}},
		{"dob pt compound day", "nasci no dia vinte e um de abril de 1983", []string{"DOB:vinte e um de abril de 1983"}},
		{"date in words not a birth", "llega el tres de marzo de 2027", nil},

		// other identifiers
		{"passport", "my passport number is X12345678", []string{"PASSPORT:X12345678"}},
		{"pasaporte", "pasaporte PAB123456", []string{"PASSPORT:PAB123456"}},
		{"cuit", "CUIT 20-12345678-6", []string{"CUIT_AR:20-12345678-6"}},
		{"cuit bad check digit", "CUIT 20-12345678-5", nil},
		{"cbu", "cbu 2850590940090418135201", []string{"CBU_AR:2850590940090418135201"}},
		{"clabe", "clabe 032180000118359719", []string{"CLABE_MX:032180000118359719"}},
		{"clabe bad", "clabe 032180000118359718", nil},
		{"rg", "meu RG é 12.345.678-9", []string{"RG_BR:12.345.678-9"}},
		{"pix", "chave pix 123e4567-e89b-42d3-a456-426614174000", []string{"PIX_KEY:123e4567-e89b-42d3-a456-426614174000"}},
		{"bank agency and account", "agência 1234-5 conta 67890-1", []string{"BANK_ACCOUNT:1234-5", "BANK_ACCOUNT:67890-1"}},
		{"plate br", "placa ABC1D23", []string{"PLATE:ABC1D23"}},
		{"plate es", "matrícula 4821 KLM", []string{"PLATE:4821 KLM"}},
		{"plate word is not a plate", "la patente de invención", nil},
		{"cvv next to a card", "tarjeta 4111 1111 1111 1111 cvv 123", []string{"CARD:4111 1111 1111 1111", "CVV:123"}},

		// Unicode in e-mail addresses
		{"email accented local", "escríbeme a josé.martínez@correo.es", []string{"EMAIL:josé.martínez@correo.es"}},
		{"email idn domain", "mail: müller@bücher.de", []string{"EMAIL:müller@bücher.de"}},
		{"email ñ", "ñandú@gmail.com es el mío", []string{"EMAIL:ñandú@gmail.com"}},
		{"email zero-width space", "ana\u200b.lopez@gmail.com", []string{"EMAIL:ana\u200b.lopez@gmail.com"}},
		{"email full-width", "ａｎａ＠ｘ．ｃｏｍ", []string{"EMAIL:ａｎａ＠ｘ．ｃｏｍ"}},

		// separators
		{"phone no-break spaces", "mi móvil +34\u00a0691\u00a0938\u00a0592", []string{"PHONE:+34\u00a0691\u00a0938\u00a0592"}},
		{"phone narrow no-break spaces", "+34\u202f691\u202f938\u202f592", []string{"PHONE:+34\u202f691\u202f938\u202f592"}},
		{"card no-break spaces", "tarjeta 4111\u00a01111\u00a01111\u00a01111", []string{"CARD:4111\u00a01111\u00a01111\u00a01111"}},
		{"iban no-break spaces", "iban ES91\u00a02100\u00a00418\u00a04502\u00a00005\u00a01332", []string{"IBAN:ES91\u00a02100\u00a00418\u00a04502\u00a00005\u00a01332"}},
		{"cpf non-breaking hyphen", "cpf 529.982.247\u201125", []string{"CPF:529.982.247\u201125"}},
		{"full-width digits", "mi cel ６９１９３８５９２", []string{"PHONE:６９１９３８５９２"}},
		{"arabic-indic digits", "whatsapp +٣٤ ٦٩١ ٩٣٨ ٥٩٢", []string{"PHONE:+٣٤ ٦٩١ ٩٣٨ ٥٩٢"}},

		// split values
		{"phone in two parts", "mi número es 691 938 y termina en 592", []string{"PHONE:691 938 y termina en 592"}},
		{"phone across a line break", "mi cel es 691 938\n592", []string{"PHONE:691 938\n592"}},
		{"digits one by one", "mi número: 6 9 1 9 3 8 5 9 2", []string{"PHONE:6 9 1 9 3 8 5 9 2"}},
		{"podés contactarme al", "podés contactarme al 11 5555 1234", []string{"PHONE:11 5555 1234"}},
		{"pode falar comigo no", "pode falar comigo no 11 98765 4321", []string{"PHONE:11 98765 4321"}},
		{"ssn spaced", "my ssn is 385 71 1268", []string{"SSN:385 71 1268"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := brief(Detect(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormaliseOffsets checks every finding maps back to the exact bytes
// of the original, whatever was rewritten around or inside it.
func TestNormaliseOffsets(t *testing.T) {
	for _, in := range []string{
		"\u200b\u200bana@x.com\u200b",
		"a\u00a0b +34\u00a0691\u00a0938\u00a0592\u00a0fin",
		"\u00ad\u00adcpf 529.982.247\u201125\u00ad",
		"tel \uff16\uff19\uff11 \uff19\uff13\uff18 \uff15\uff19\uff12 ok",
		"ñ\u2014ñ 4111\u202f1111\u202f1111\u202f1111",
	} {
		n, src := normalise(in)
		if src == nil || src.src(len(n)) != len(in) {
			t.Fatalf("normalise(%q): the end of the result does not map to the end of the text", in)
		}
		fs := Detect(in)
		if len(fs) != 1 {
			t.Fatalf("Detect(%q) = %q, want one finding", in, brief(fs))
		}
		f := fs[0]
		if in[f.Start:f.End] != f.Text {
			t.Errorf("Detect(%q): Text %q != in[%d:%d]", in, f.Text, f.Start, f.End)
		}
		out, m := Redact(in)
		if m.Restore(out) != in {
			t.Errorf("Restore(Redact(%q)) = %q", in, m.Restore(out))
		}
	}
}
