package intent_test

import (
	"fmt"

	"github.com/trement/trement/internal/intent"
)

func ExampleParse() {
	for _, text := range []string{
		"¡BAJA!",
		"quiero darme de baja",
		"no pares de ayudarme",
		"Olá, quero falar com um atendente",
		"help me choose a size",
	} {
		m := intent.Parse(text)
		fmt.Printf("%s %q\n", m.Kind, m.Language)
	}
	// Output:
	// opt_out "es"
	// opt_out "es"
	// none "es"
	// human "pt"
	// none "en"
}
