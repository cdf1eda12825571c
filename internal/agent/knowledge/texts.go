package knowledge

// Texts returns the text of every passage of the knowledge base, in all
// languages: the business's own published content. Callers scan it for
// the business's public contact data (its phone number, e-mail address,
// web address), which the output filter lets answers repeat.
func (a *Agent) Texts() []string {
	out := make([]string, len(a.ix.docs))
	for i, d := range a.ix.docs {
		out[i] = d.art.title + "\n" + d.chunk
	}
	return out
}
