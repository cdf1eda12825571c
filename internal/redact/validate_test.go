package redact

import "testing"

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func([]byte) bool
		in   string
		want bool
	}{
		{"luhn", validLuhn, "4111111111111111", true},
		{"luhn", validLuhn, "4111111111111112", false},
		{"luhn", validLuhn, "378282246310005", true},
		{"iin", validCardIIN, "4111111111111111", true},
		{"iin", validCardIIN, "378282246310005", true},
		{"iin", validCardIIN, "9400100000000000", false}, // USPS tracking prefix
		{"iin", validCardIIN, "5555555555554444", true},
		{"iban", validIBAN, "GB82WEST12345698765432", true},
		{"iban", validIBAN, "ES9121000418450200051332", true},
		{"iban", validIBAN, "DE89370400440532013000", true},
		{"iban", validIBAN, "ES9121000418450200051333", false}, // mod 97 fails
		{"iban", validIBAN, "ES91210004184502000513", false},   // short for ES
		{"iban", validIBAN, "LP0012345678912345678", false},    // no such country
		{"cpf", validCPF, "52998224725", true},
		{"cpf", validCPF, "52998224726", false},
		{"cpf", validCPF, "11111111111", false}, // passes the arithmetic, never issued
		{"cnpj", validCNPJ, "11222333000181", true},
		{"cnpj", validCNPJ, "11222333000180", false},
		{"ssn", validSSN, "123456789", true},
		{"ssn", validSSN, "666123456", false},
		{"ssn", validSSN, "900123456", false},
		{"ssn", validSSN, "123006789", false},
		{"ssn", validSSN, "123450000", false},
		{"curp", validCURP, "LOOA531113HTCPBN07", true},
		{"curp", validCURP, "MAHJ280603MSPRRV09", true},
		{"curp", validCURP, "LOOA531113HTCPBN08", false}, // check digit
		{"curp", validCURP, "LOOA531313HTCPBN07", false}, // month 13
		{"curp", validCURP, "LOOA531113HQQPBN07", false}, // no state QQ
		{"rfc", validRFC, "GODE561231GR8", true},
		{"rfc", validRFC, "ABC680524P76", true}, // company
		{"rfc", validRFC, "GODE561331GR8", false},
		{"rfc", validRFC, "GO1E561231GR8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			if got := tt.fn([]byte(tt.in)); got != tt.want {
				t.Errorf("%s(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
			}
		})
	}
}

func TestDNILetter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"12345678", "Z"},
		{"00000000", "T"},
		{"01234567", "L"}, // NIE X1234567L
	}
	for _, tt := range tests {
		if got := string(dniLetter([]byte(tt.in))); got != tt.want {
			t.Errorf("dniLetter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
