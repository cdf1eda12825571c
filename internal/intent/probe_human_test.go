package intent

import "testing"

// TestPersonAskedInOtherWords: requests for a person that the evaluation set
// found unrecognised.
func TestPersonAskedInOtherWords(t *testing.T) {
	for _, s := range []string{"quiero que me atienda una persona", "quero falar com alguém da equipa", "Quero falar com alguém da equipe, por favor", "quiero hablar con alguien del equipo"} {
		if k := Parse(s).Kind; k != Human {
			t.Errorf("Parse(%q) = %v, want Human", s, k)
		}
	}
}
