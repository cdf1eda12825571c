package knowledge

import (
	"embed"
	"io/fs"
)

//go:embed sample
var sample embed.FS

// Sample returns the built-in knowledge base of "Tienda Aurora", a fictional
// online fashion shop in Madrid and Porto: twelve topics (delivery times,
// shipping costs, tracking, returns, refunds, sizes, payment, warranty,
// stores, talking to a person, privacy, order changes) and a few FAQ entries,
// each in English, Spanish and Portuguese. It lets trement answer out of the
// box and is the shape a business copies to write its own.
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "sample")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
