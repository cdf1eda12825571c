package redact_test

import (
	"fmt"

	"github.com/trement/trement/internal/redact"
)

func ExampleRedact() {
	masked, m := redact.Redact("mail me at ana@x.com, meu cpf é 529.982.247-25, pedido #123456")
	fmt.Println(masked)
	// What the model answers, with the placeholders it was given.
	reply := "Pronto, enviamos a nota do pedido #123456 para [EMAIL_1]."
	fmt.Println(m.Restore(reply))
	// Output:
	// mail me at [EMAIL_1], meu cpf é [CPF_1], pedido #123456
	// Pronto, enviamos a nota do pedido #123456 para ana@x.com.
}

func ExampleSensitive() {
	fmt.Println(redact.Sensitive("tengo diabetes, ¿el chocolate es sin azúcar?"))
	fmt.Println(redact.Sensitive("I'm sick of waiting for my order"))
	// Output:
	// [health]
	// []
}
