package policy_test

import (
	"fmt"
	"time"

	"github.com/trement/trement/internal/policy"
)

func ExampleEngine_ForPhone() {
	e, err := policy.New(policy.Config{})
	if err != nil {
		panic(err)
	}
	for _, waID := range []string{"34612345678", "14155552671", "447400123456"} {
		d := e.ForPhone(waID)
		fmt.Printf("%s/%s: %s\n", d.Region, d.Pack.Region, d.Reason)
	}
	// Output:
	// ES/ES: country code +34 → Spain (GDPR + LOPDGDD)
	// CA/CA: +1 area code 415 (California) → CCPA/CPRA; an area code is a hint, not residence
	// DEFAULT/STRICT: country code +44: UK, Jersey, Guernsey, Isle of Man (UK GDPR, out of scope) → default pack STRICT
}

func ExampleDueDate() {
	e, _ := policy.New(policy.Config{})
	br, _ := e.Pack(policy.BR)
	aware := time.Date(2027, time.March, 5, 15, 0, 0, 0, time.UTC) // a Friday
	fmt.Println(br.BreachAuthority, "→", policy.DueDate(aware, br.BreachAuthority).Format("Mon 2 Jan 15:04"))
	fmt.Println(br.Cite(policy.FieldBreachAuthority)[:29])
	// Output:
	// 3 business days → Wed 10 Mar 15:00
	// Res. CD/ANPD 15/2024 Art. 6,
}

func ExamplePack_Text() {
	e, _ := policy.New(policy.Config{})
	br, _ := e.Pack(policy.BR)
	text, _ := br.Text("", policy.FirstContact, policy.Vars{
		Business:      "Loja Sol",
		Purpose:       "pedidos, entregas e trocas",
		PrivacyURL:    "https://sol.example/privacidade",
		DPOContact:    "encarregado@sol.example",
		NoticeVersion: "3",
	})
	fmt.Println(text)
	// Output:
	// Olá! Sou o assistente de IA de Loja Sol: um programa automático, não uma pessoa. Posso ajudar com: pedidos, entregas e trocas.
	// Para isso preciso tratar suas mensagens. Aviso de privacidade (v3): https://sol.example/privacidade
	// Encarregado (DPO): encarregado@sol.example
	// Você aceita? Você pode escrever PARAR a qualquer momento, ou ATENDENTE para falar com uma pessoa.
}
