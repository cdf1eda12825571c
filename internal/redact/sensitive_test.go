package redact

import (
	"slices"
	"testing"
)

func TestSensitive(t *testing.T) {
	tests := []struct {
		in   string
		want []Category
	}{
		// health
		{"tengo diabetes y necesito azúcar light", []Category{Health}},
		{"I'm sick of waiting for my order", nil},
		{"im sick and tired of this", nil},
		{"I'm sick, can someone else pick it up?", []Category{Health}},
		{"estou grávida, posso trocar o tamanho?", []Category{Health}},
		{"my doctor said no lactose", []Category{Health}},
		{"este pedido me tiene enfermo de esperar", nil},
		{"sou diabética", []Category{Health}},
		{"this price is killing me", nil},
		{"cancel my order", nil},
		// religion
		{"é pra minha igreja, 30 unidades", []Category{Religion}},
		{"do you have halal options?", []Category{Religion}},
		{"soy testigo de Jehová, no celebro cumpleaños", []Category{Religion}},
		{"the store on Church St is closed", nil},
		{"Christian from your team helped me", nil},
		// politics
		{"vote for the best product of the year!", nil},
		{"sou petista desde sempre", []Category{Politics}},
		{"no le vendan a ningún kirchnerista", []Category{Politics}},
		{"the party is on saturday, deliver before", nil},
		// sex life
		{"my husband and I are a gay couple", []Category{SexLife}},
		{"soy una mujer trans y el sistema no acepta mi nombre", []Category{SexLife}},
		{"trans fat free?", nil},
		// ethnicity
		{"sou negra e fui mal atendida", []Category{Ethnicity}},
		{"quiero la camiseta negra talla M", nil},
		{"black friday deals?", nil},
		{"I'm Black and the guard followed me", []Category{Ethnicity}},
		// biometrics
		{"o app pede minha impressão digital", []Category{Biometrics}},
		{"no quiero dar mi huella dactilar", []Category{Biometrics}},
		{"huella de carbono del envio?", nil},
		{"a impressão saiu borrada", nil},
		// union
		{"I'm a union member, is there a discount?", []Category{Union}},
		{"desconto para o sindicato dos bancários", []Category{Union}},
		{"shipping to the European Union?", nil},
		{"meet me at Union Station", nil},
		// several
		{"soy musulmán y diabético", []Category{Health, Religion}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Sensitive(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Sensitive(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
