package redact

import (
	"slices"
	"strings"
	"testing"
)

func brief(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, string(f.Type)+":"+f.Text)
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"email", "mail me at ana@x.com", []string{"EMAIL:ana@x.com"}},
		{"email trailing dot", "escreve pra Joao.Silva@empresa.com.br.", []string{"EMAIL:Joao.Silva@empresa.com.br"}},
		{"email plus", "carlos+shop@gmail.com ok", []string{"EMAIL:carlos+shop@gmail.com"}},
		{"not email", "a @ b and x@y", nil},

		{"phone es intl", "mi movil +34 612 345 678", []string{"PHONE:+34 612 345 678"}},
		{"phone br intl", "whats +55 11 91234-5678", []string{"PHONE:+55 11 91234-5678"}},
		{"phone br intl parens", "+55 (11) 91234-5678", []string{"PHONE:+55 (11) 91234-5678"}},
		{"phone 00 prefix", "llama al 0034 612345678", []string{"PHONE:0034 612345678"}},
		{"phone us parens", "my number is (415) 555-0132", []string{"PHONE:(415) 555-0132"}},
		{"phone us +1", "+1 (415) 555-0132", []string{"PHONE:+1 (415) 555-0132"}},
		{"phone br local parens", "(11) 91234-5678", []string{"PHONE:(11) 91234-5678"}},
		{"phone br mobile no ddd", "me liga 91234-5678", []string{"PHONE:91234-5678"}},
		{"phone local context", "mi cel es 11 4567-8901", []string{"PHONE:11 4567-8901"}},
		{"phone after possessive number", "el numero de pedido 4218908, mi numero 646 33 81 41", []string{"PHONE:646 33 81 41"}},
		{"phone emoji", "📞 612345678", []string{"PHONE:612345678"}},
		{"phone accents", "TELÉFONO: 912345678", []string{"PHONE:912345678"}},
		{"phone context after", "612345678 es mi celular", []string{"PHONE:612345678"}},
		{"intl phone stops at country length", "+34 612 345 678 12/05", []string{"PHONE:+34 612 345 678"}},

		{"card spaced", "card 4111 1111 1111 1111 exp 12/27", []string{"CARD:4111 1111 1111 1111"}},
		{"card amex", "amex 3782 822463 10005", []string{"CARD:3782 822463 10005"}},
		{"card luhn fail", "card 4111 1111 1111 1112", nil},
		{"iban spaced", "iban ES91 2100 0418 4502 0005 1332 ok", []string{"IBAN:ES91 2100 0418 4502 0005 1332"}},
		{"iban compact lower", "gb82west12345698765432", []string{"IBAN:gb82west12345698765432"}},
		{"iban bad", "ES91 2100 0418 4502 0005 1333", nil},
		{"ssn", "ssn 123-45-6789", []string{"SSN:123-45-6789"}},
		{"ssn plain with context", "my SSN is 123456789", []string{"SSN:123456789"}},
		{"ssn bad area", "666-45-6789", nil},
		{"routing number is a bank account, not an ssn", "routing 123456789", []string{"BANK_ACCOUNT:123456789"}},
		{"cpf formatted", "meu cpf é 529.982.247-25", []string{"CPF:529.982.247-25"}},
		{"cpf plain", "52998224725", []string{"CPF:52998224725"}},
		{"cpf bad", "cpf 529.982.247-26", nil},
		{"cnpj", "cnpj 11.222.333/0001-81", []string{"CNPJ:11.222.333/0001-81"}},
		{"cnpj plain", "11222333000181", []string{"CNPJ:11222333000181"}},
		{"curp", "mi curp LOOA531113HTCPBN07", []string{"CURP:LOOA531113HTCPBN07"}},
		{"curp lower", "curp looa531113htcpbn07", []string{"CURP:looa531113htcpbn07"}},
		{"rfc", "rfc GODE561231GR8", []string{"RFC:GODE561231GR8"}},
		{"dni es", "dni 12345678Z", []string{"DNI_ES:12345678Z"}},
		{"dni es dash", "12345678-Z", []string{"DNI_ES:12345678-Z"}},
		{"dni es wrong letter", "dni 12345678A", nil},
		{"nie", "NIE X1234567L", []string{"NIE:X1234567L"}},
		{"nie dashed", "nie x-1234567-l", []string{"NIE:x-1234567-l"}},
		{"dni ar", "mi DNI es 30.123.456", []string{"DNI_AR:30.123.456"}},
		{"dni ar plain", "D.N.I. 30123456", []string{"DNI_AR:30123456"}},
		{"dni ar needs context", "30123456", nil},
		{"cedula", "c.c. 1.020.304.050 de bogota", []string{"CEDULA_CO:1.020.304.050"}},
		{"cedula accent", "Cédula 52123456", []string{"CEDULA_CO:52123456"}},
		{"ipv4", "ip 192.168.0.10", []string{"IP:192.168.0.10"}},
		{"ipv4 out of range", "1.2.3.400", nil},
		{"ipv6", "from 2001:db8::8a2e:370:7334 today", []string{"IP:2001:db8::8a2e:370:7334"}},
		{"ipv6 hex start", "fe80::1ff:fe23:4567:890a", []string{"IP:fe80::1ff:fe23:4567:890a"}},
		{"dob numeric", "fecha de nacimiento: 12/03/1985", []string{"DOB:12/03/1985"}},
		{"dob text es", "nací el 3 de marzo de 1990", []string{"DOB:3 de marzo de 1990"}},
		{"dob text pt", "nascida em 15 de agosto de 1992", []string{"DOB:15 de agosto de 1992"}},
		{"dob text en", "born March 3, 1990", []string{"DOB:March 3, 1990"}},
		{"dob ordinal", "born on the 3rd of March 1990", []string{"DOB:3rd of March 1990"}},
		{"dob iso", "DOB 1985-03-12", []string{"DOB:1985-03-12"}},
		{"birthday party", "it's my birthday on 10/26/2025", nil},

		// Must not redact.
		{"order hash", "pedido #123456", nil},
		{"order dashed", "order 4417-2291", nil},
		{"order number words", "my order number is 4417-2291", nil},
		{"price brl", "R$ 1.299,90", nil},
		{"price usd", "$49.99", nil},
		{"price eur", "1.234,56 €", nil},
		{"price cop with cc", "cc $1.234.567", nil},
		{"tracking ups", "1Z999AA10123456784", nil},
		{"tracking intl", "LP00123456789CN", nil},
		{"tracking usps", "9400 1000 0000 0000 0000 00", nil},
		{"delivery date", "llega el 12/05/2026", nil},
		{"time", "a las 14:30", nil},
		{"quantity", "quiero 12 unidades", nil},
		{"invoice", "factura F-2025-00123", nil},
		{"cep", "cep 01310-100", []string{"POSTAL:01310-100"}},
		{"version", "app 2.4.1", nil},
		{"nanp with order context", "order 415-555-0132", nil},
		{"glued letters", "10x de 50", nil},
		{"dni letter glued is not ar dni", "mi dni es 71690828V creo", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := brief(Detect(tt.in))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectOffsets(t *testing.T) {
	in := "olá 📞 +55 11 91234-5678 e ana@x.com, cpf 529.982.247-25"
	fs := Detect(in)
	if len(fs) != 3 {
		t.Fatalf("Detect(%q) = %v, want 3 findings", in, fs)
	}
	for i, f := range fs {
		if in[f.Start:f.End] != f.Text {
			t.Errorf("Detect(%q)[%d] = [%d:%d] %q, want text %q", in, i, f.Start, f.End, f.Text, in[f.Start:f.End])
		}
		if i > 0 && fs[i-1].End > f.Start {
			t.Errorf("Detect(%q) findings %d and %d overlap", in, i-1, i)
		}
	}
}

func TestDetectLongInputs(t *testing.T) {
	// Long runs of digits and separators must not blow up or report junk.
	in := strings.Repeat("1 ", 5000) + strings.Repeat("9", 5000) + strings.Repeat("a@", 3000)
	if fs := Detect(in); len(fs) != 0 {
		t.Errorf("Detect(long junk) = %d findings, want 0: %v", len(fs), brief(fs[:min(3, len(fs))]))
	}
}
