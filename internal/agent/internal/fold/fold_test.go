package fold

import (
	"slices"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Envío", "envio"},
		{"DEVOLUÇÕES", "devolucoes"},
		{"plain ascii", "plain ascii"},
		{"Ação não", "acao nao"},
		{"Cañón", "canon"},
		{"e\u0301", "e"}, // decomposed é
		{"don’t", "don't"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"¿Cuándo llega mi pedido?", []string{"cuando", "llega", "mi", "pedido"}},
		{"I'm 30-days late!!", []string{"i", "m", "30", "days", "late"}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Words(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
