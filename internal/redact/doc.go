// Package redact finds personal data in WhatsApp chat text written in
// English, Spanish and Portuguese, swaps it for placeholders before the text
// reaches a language model, and puts it back in the model's answer.
//
// The gateway sends customer messages to a model provider it does not
// control. Whatever the model does not need to see, it should not see: the
// customer's CPF, card or phone number is replaced by "[CPF_1]", "[CARD_1]"
// or "[PHONE_1]", and the Mapping that undoes it stays in memory for the
// turn. Sensitive flags the special categories (health, religion, politics,
// sex life, ethnicity, biometrics, trade union) that need consent or a
// human rather than masking.
//
// # Precision first
//
// A chat about orders is full of numbers that are not personal: order and
// invoice numbers, prices ("R$ 1.299,90"), tracking codes, delivery dates.
// Masking them would break the conversation ("where is order [PHONE_1]?"),
// so Detect reports a number only when it validates (Luhn, IBAN mod 97,
// CPF/CNPJ and CURP check digits, DNI/NIE control letter, SSN ranges, IP
// parsing) or, for numbers with no check digit (local phones, Argentine
// DNI, Colombian cédula, dates of birth), when a nearby word in any of the
// three languages says what it is ("mi cel", "cédula", "nascimento"). The
// nearest telling word wins, so "pedido 4417-2291" stays and "meu número
// 4417-2291" goes. The labeled corpus in testdata gates precision and
// recall; bench/results/redact.md has the figures.
//
// # Names, addresses, postal codes
//
// A second pass reads the text a token at a time for what has no check
// digit: a name after "me llamo", "meu nome é", "my name is", "a nombre
// de", "soy"/"sou"/"i'm" with a given name, a signature, a title, or a
// capitalised "Given Surname" pair from the gazetteers written into this
// package; a street address after "calle", "c/", "av.", "rua", "carrera"
// (name, number, floor, door, apartment) or before "Street"/"Ave" in
// English; a postal code after its word ("cep", "zip", "C.P."), by an
// unmistakable shape (CEP "01310-100", ZIP+4, UK, Argentine CPA) or next
// to a city, a US state or the address it ends. The same pass reads the
// identifiers that need their word: passports, CUIT/CUIL, CBU, CLABE,
// RG, Pix keys, bank accounts, plates, CVV. Options.Allow keeps the
// shop's own streets and product names; Options.Business is for the
// business's own answers.
//
// # Normalisation
//
// Matching runs on a copy with Unicode spaces, dashes, full-width and
// other-script digits rewritten to ASCII and zero-width characters
// dropped; findings map back to the caller's exact bytes. Placeholders
// are numbered by normalised value, so "+34 691 938 592" and
// "+34691938592" share one.
//
// # Speed
//
// Detect is linear in its input: every scan reads a bounded window
// around where it stands.
//
// The first pass is one pass over the bytes with no regular expressions: words are
// skipped whole, and only digit runs, '+', '(' and '@' start the closer
// look. Context words are read only around a candidate.
//
// # Purity
//
// Nothing here does I/O, logs or reads the clock. One consequence: a date
// next to "birthday" (rather than "born") counts as a birth date only if its
// year is at most lastBirthdayYear, a constant, so that "my birthday is
// 10/26/2025" is read as a party, not a birth date.
//
// # Example
//
//	masked, m := redact.Redact("mail me at ana@x.com")
//	// masked == "mail me at [EMAIL_1]"
//	answer := m.Restore(modelReply(masked))
package redact
