package grounding

import (
	"fmt"
	"slices"
	"testing"
)

func keys(fs []Fact) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Key
	}
	return out
}

func TestFacts(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Shipping costs €4.95, free over €50.", []string{"amount:4.95", "amount:50"}},
		{"El envío cuesta 4,95 € y el exprés 8,95 euros.", []string{"amount:4.95", "amount:8.95"}},
		{"A 1.000 € limit", []string{"amount:1000"}},
		{"Get 10% extra, or 15 por ciento.", []string{"percent:10", "percent:15"}},
		{"You have 30 days to return it.", []string{"duration:30d"}},
		{"Refunds take two weeks.", []string{"duration:14d"}},
		{"Devolución en catorce días", []string{"duration:14d"}},
		{"It takes 5–10 working days.", []string{"duration:5d", "duration:10d"}},
		{"Entrega em 24 horas", []string{"duration:24h"}},
		{"Open 09:00–18:00, or 9 am to 6 pm.", []string{"time:9:00", "time:18:00", "time:9:00", "time:18:00"}},
		{"Call +34 910 000 000 or 0034 910-000-000.", []string{"phone:910000000", "phone:910000000"}},
		{"Write to Help@TiendaAurora.example", []string{"email:help@tiendaaurora.example"}},
		{"See https://www.tiendaaurora.example/returns/ now", []string{"url:tiendaaurora.example/returns"}},
		{"Tracking ES123456789 for order #10234", []string{"reference:ES123456789", "reference:10234"}},
		{"Closed on 25 December and on 1 de enero; sale from March 3.", []string{"date:12-25", "date:1-1", "date:3-3"}},
		{"Reduced hours on 24 and 31 December", []string{"date:12-24", "date:12-31"}},
		{"Delivered 2026-12-03 or 3/12.", []string{"date:12-3", "date:12-3"}},
		{"Open Monday to Friday, de segunda a sexta", []string{"date:mon", "date:fri", "date:mon", "date:fri"}},
		{"Support 24/7, no numbers here. Segunda unidad a mitad de precio.", nil},
		{"Your parcel is on its way.", nil},
	}
	for _, tt := range tests {
		got := keys(Facts(tt.text))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Facts(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestUngrounded(t *testing.T) {
	passage := "You have 30 days from delivery to return any item. From the islands the return label costs €4.95. Phone: +34 910 000 000 (Monday to Friday 09:00–18:00)."
	customer := "My order is AUR-55120, I paid 39,90 €"
	tests := []struct {
		answer string
		want   []string
	}{
		{"You can return it within 30 days; the label from the islands is 4,95 €.", nil},
		{"Call us on +34910000000, Monday to Friday from 9 am.", nil},
		{"Your order AUR-55120 of €39.90 can be returned.", nil},
		{"You can return it within 60 days.", []string{"duration:60d"}},
		{"The return label costs €5.95.", []string{"amount:5.95"}},
		{"Call +34 600 123 456.", []string{"phone:600123456"}},
		{"We are also open on Sundays.", []string{"date:sun"}},
		{"Returns close on 15 January.", []string{"date:1-15"}},
		{"You get a 20% discount, within 30 days.", []string{"percent:20"}},
		{"Write to returns@tiendaaurora.example", []string{"email:returns@tiendaaurora.example"}},
	}
	for _, tt := range tests {
		got := keys(Ungrounded(tt.answer, passage, customer))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Ungrounded(%q) = %q, want %q", tt.answer, got, tt.want)
		}
	}
	if got := Kinds(Ungrounded("€5 in 3 weeks, €6", passage)); fmt.Sprint(got) != "[amount duration]" {
		t.Errorf("Kinds = %v, want [amount duration]", got)
	}
}

func TestMemo(t *testing.T) {
	var m Memo
	passage := "Returns: 30 days, label €4.95."
	for range 2 { // the second call reads the remembered facts
		if got := keys(m.Ungrounded("30 days, €4.95, call 600 123 456", []string{passage}, "my number is 600 123 456")); len(got) != 0 {
			t.Errorf("Memo.Ungrounded = %q, want nothing missing", got)
		}
		if got := keys(m.Ungrounded("60 days", []string{passage})); !slices.Equal(got, []string{"duration:60d"}) {
			t.Errorf("Memo.Ungrounded = %q, want [duration:60d]", got)
		}
	}
	if len(m.m) != 1 {
		t.Errorf("memo holds %d texts, want only the passage (never the conversation)", len(m.m))
	}
}
