package redact

import "strings"

// Options adjust a Detector to where its text comes from.
type Options struct {
	// Allow lists phrases that are never reported as a name, an address
	// or a postal code: the shop's own street addresses from the
	// knowledge base, product names that look like people's names
	// ("Carolina Herrera"), the staff's names. A finding is dropped when,
	// with case, accents and punctuation ignored, it equals an entry or
	// is part of one ("Calle Mayor 12" is dropped for the entry "Calle
	// Mayor 12, Madrid"; "Calle Mayor 3" is not).
	Allow []string
	// Business says the text is the business's own answer. Its
	// self-introductions, signatures and name pairs are its staff's, not
	// the customer's personal data: only names after "a nombre de", "em
	// nome de", "under the name" and the like are reported, and the rest
	// of the detection is unchanged.
	Business bool
}

// A Detector is Detect with Options. The zero Detector is the package's
// Detect. It is safe for concurrent use.
type Detector struct {
	opt   Options
	allow []string // Options.Allow folded
}

// NewDetector returns a Detector for o.
func NewDetector(o Options) *Detector {
	d := &Detector{opt: o}
	for _, a := range o.Allow {
		n, _ := normalise(a)
		if f := foldWords(n); f != "" {
			d.allow = append(d.allow, f)
		}
	}
	return d
}

// Redact is the package's Redact with d's options.
func (d *Detector) Redact(text string) (string, *Mapping) {
	m := &Mapping{d: d}
	return m.RedactMore(text), m
}

// allowed drops the names, addresses and postal codes that the allow
// list holds. fs are findings on the normalised text n.
func (d *Detector) allowed(fs []Finding, n string) []Finding {
	if len(d.allow) == 0 {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if f.Type == Name || f.Type == Address || f.Type == Postal {
			v := foldWords(n[f.Start:f.End])
			drop := false
			for _, a := range d.allow {
				if a == v || containsWords(a, v) {
					drop = true
					break
				}
			}
			if drop {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// containsWords reports whether the folded phrase a holds v as whole words.
func containsWords(a, v string) bool {
	for i := 0; ; {
		j := strings.Index(a[i:], v)
		if j < 0 {
			return false
		}
		j += i
		e := j + len(v)
		if (j == 0 || a[j-1] == ' ') && (e == len(a) || a[e] == ' ') {
			return true
		}
		i = j + 1
	}
}
