package redact

// Type names a kind of personal data. Its value is what placeholders show,
// as in "[EMAIL_1]".
type Type string

// The kinds Detect knows.
const (
	Email    Type = "EMAIL"
	Phone    Type = "PHONE"
	Card     Type = "CARD"      // payment card number that passes Luhn
	IBAN     Type = "IBAN"      // ISO 13616 account number
	SSN      Type = "SSN"       // US Social Security number
	CPF      Type = "CPF"       // Brazil, individuals
	CNPJ     Type = "CNPJ"      // Brazil, companies
	CURP     Type = "CURP"      // Mexico, population registry
	RFC      Type = "RFC"       // Mexico, tax id
	DNIES    Type = "DNI_ES"    // Spain, national id
	NIE      Type = "NIE"       // Spain, foreigners' id
	DNIAR    Type = "DNI_AR"    // Argentina, national id
	CedulaCO Type = "CEDULA_CO" // Colombia, citizen id
	IP       Type = "IP"        // IPv4 or IPv6 address
	DOB      Type = "DOB"       // date of birth
)

// Finding is one piece of personal data in a text.
type Finding struct {
	Type       Type
	Start, End int    // byte offsets into the text, on rune boundaries
	Text       string // text[Start:End]
}

// The kinds that need words rather than validators: a name after "me
// llamo", a street address after "calle"/"rua"/"street", a postal code
// with its cue or its city.
const (
	Name    Type = "NAME"
	Address Type = "ADDRESS"
	Postal  Type = "POSTAL"
)

// Identifiers told by the word before them (and, where they have one,
// their check digit).
const (
	Passport    Type = "PASSPORT"
	CUIT        Type = "CUIT_AR"      // Argentina, tax id of people (CUIL) and companies (CUIT)
	CBU         Type = "CBU_AR"       // Argentina, bank account (CBU/CVU)
	CLABE       Type = "CLABE_MX"     // Mexico, bank account
	RG          Type = "RG_BR"        // Brazil, identity card
	PixKey      Type = "PIX_KEY"      // Brazil, random Pix key (a UUID)
	BankAccount Type = "BANK_ACCOUNT" // bank agency, account or routing number
	Plate       Type = "PLATE"        // vehicle licence plate
	CVV         Type = "CVV"          // card security code
)
