package redact

import (
	"slices"
	"testing"
)

func TestNamesAddressesPostal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lower-case name from gazetteer", "hola me llamo juan perez y quiero saber", []string{"NAME:juan perez"}},
		{"name stops at a sentence word", "Me llamo Ana Quiero saber del pedido", []string{"NAME:Ana"}},
		{"name tag", "Nombre: Lucía Gómez Ruiz", []string{"NAME:Lucía Gómez Ruiz"}},
		{"a nombre de", "está a nombre de Roberto Carlos Méndez", []string{"NAME:Roberto Carlos Méndez"}},
		{"meu nome é", "meu nome é Ana Beatriz Souza", []string{"NAME:Ana Beatriz Souza"}},
		{"signature", "gracias!\nValentina", []string{"NAME:Valentina"}},
		{"pair without cue", "Ana Souza me indicou a loja", []string{"NAME:Ana Souza"}},
		{"soy de is not a name", "soy de Madrid y quiero saber", nil},
		{"i'm fine is not a name", "i'm fine thanks", nil},
		{"name not followed by city", "soy Ana de Madrid", []string{"NAME:Ana"}},
		{"hospital name is a place", "fui al Hospital Santa Maria Silva", nil},
		{"city alone", "envían a Madrid o a São Paulo?", nil},
		{"product with capital words", "quiero el iPhone 15 Pro Max", nil},
		{"title", "hablé con la Sra. Martínez", []string{"NAME:Martínez"}},

		{"avenida with comma", "Av. Paulista, 1578 - Bela Vista", []string{"ADDRESS:Av. Paulista, 1578"}},
		{"colombian", "vivo en la Calle 45 # 12-34 apto 301", []string{"ADDRESS:Calle 45 # 12-34 apto 301"}},
		{"nueve de julio", "Av. 9 de Julio 1234, piso 3", []string{"ADDRESS:Av. 9 de Julio 1234, piso 3"}},
		{"english street", "ship it to 221B Baker Street, London", []string{"ADDRESS:221B Baker Street"}},
		{"english with unit", "I live at 350 5th Ave Apt 4B", []string{"ADDRESS:350 5th Ave Apt 4B"}},
		{"english ambiguous suffix lower-case", "the 3 way switch broke", nil},
		{"street without number", "la calle estaba cerrada", nil},
		{"shop street", "la tienda de la calle Mayor 12 abre el domingo?", nil},
		{"rua with number word", "rua dos Pinheiros, nº 300, bloco B", []string{"ADDRESS:rua dos Pinheiros, nº 300, bloco B"}},
		{"address after lead without street word", "mi dirección es Gran Vía 28, 4º izq", []string{"ADDRESS:Gran Vía 28, 4º izq"}},

		{"cp with city", "28013 Madrid", []string{"POSTAL:28013"}},
		{"us state zip", "Austin, TX 78701", []string{"POSTAL:78701"}},
		{"mexico cp", "Col. Roma, C.P. 06700", []string{"POSTAL:06700"}},
		{"argentina cpa", "CP C1425ABC CABA", []string{"POSTAL:C1425ABC"}},
		{"portugal with city", "1000-001 Lisboa", []string{"POSTAL:1000-001"}},
		{"five digits alone are an order", "mi pedido 28013 no llegó", nil},
		{"five digits alone", "28013", nil},
		{"cep after an order word", "pedido 01310-100", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := brief(Detect(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectorOptions(t *testing.T) {
	shop := NewDetector(Options{Allow: []string{"Calle Mayor 12, Madrid", "Carolina Herrera", "Lucía Gómez"}})
	tests := []struct {
		name string
		d    *Detector
		in   string
		want []string
	}{
		{"allowed shop street", shop, "¿la de Calle Mayor 12 abre?", nil},
		{"same street other number", shop, "vivo en Calle Mayor 3", []string{"ADDRESS:Calle Mayor 3"}},
		{"allowed product name", shop, "el perfume Carolina Herrera", nil},
		{"without the allow list", &Detector{}, "el perfume Carolina Herrera", []string{"NAME:Carolina Herrera"}},
		{"allowed staff name, case and accents ignored", shop, "me atendió LUCIA GOMEZ", nil},
		{"other data unaffected", shop, "Lucía Gómez, ana@x.com", []string{"EMAIL:ana@x.com"}},
		{"business self-introduction", NewDetector(Options{Business: true}), "Hola, soy Lucía, te ayudo con tu pedido", nil},
		{"business pair", NewDetector(Options{Business: true}), "Te atenderá Lucía Gómez el lunes", nil},
		{"business a nombre de", NewDetector(Options{Business: true}), "El pedido está a nombre de Roberto Méndez", []string{"NAME:Roberto Méndez"}},
		{"business keeps other types", NewDetector(Options{Business: true}), "te escribo a ana@x.com", []string{"EMAIL:ana@x.com"}},
		{"customer self-introduction", &Detector{}, "Hola, soy Lucía, necesito ayuda", []string{"NAME:Lucía"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := brief(tt.d.Detect(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	out, m := shop.Redact("me llamo Ana Souza, la tienda es Calle Mayor 12")
	if want := "me llamo [NAME_1], la tienda es Calle Mayor 12"; out != want {
		t.Errorf("Redact = %q, want %q", out, want)
	}
	if got := m.Restore(out); got != "me llamo Ana Souza, la tienda es Calle Mayor 12" {
		t.Errorf("Restore = %q", got)
	}
}
