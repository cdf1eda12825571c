package knowledge

import (
	"fmt"
	"strings"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/internal/fold"
)

// A customer who taps a Click-to-WhatsApp ad or replies to a catalog
// product writes "is this available?": the words name nothing, the ad or
// the product does. An article about a product names the product's
// retailer id (its SKU in the catalog) in its tags:
//
//	---
//	id: trail-runner
//	title: Trail Runner 2
//	lang: en
//	tags: TR-2-BLUE, TR-2-RED, trainers
//	---

// productConfidence is the confidence of an answer from the article
// tagged with the product the customer asks about, when the message's
// own words find nothing better: the link is exact, the words vague.
const productConfidence = 0.8

// productArticle is the id of the article tagged with the retailer id
// ("" for none).
func (a *Agent) productArticle(retailerID string) string {
	want := strings.Join(fold.Words(retailerID), " ")
	if want == "" {
		return ""
	}
	for _, d := range a.ix.docs {
		for _, t := range d.art.tags {
			if strings.Join(fold.Words(t), " ") == want {
				return d.art.id
			}
		}
	}
	return ""
}

// about answers from what req is about besides its words when the words
// alone (m) found no confident answer or found the product's own article:
// the product's article, else the words with the ad's headline. ok is
// false when neither helps.
func (a *Agent) about(req agent.Request, words []string, lang string, m match) (match, bool) {
	if p := req.Product; p != nil {
		if id := a.productArticle(p.ProductRetailerID); id != "" {
			if m.ok && m.confidence >= a.opts.MinConfidence && a.ix.docs[m.doc].art.id != id {
				return m, false // the customer asks about something else ("how much is shipping?")
			}
			pm := a.best(words, lang, id)
			if !pm.ok || a.ix.docs[pm.doc].art.id != id {
				pm = match{doc: a.firstDoc(id, lang), ok: true, words: words}
			}
			pm.confidence = max(pm.confidence, productConfidence)
			return pm, true
		}
	}
	if m.ok && m.confidence >= a.opts.MinConfidence {
		return m, false
	}
	if r := req.Referral; r != nil && strings.TrimSpace(r.Headline) != "" {
		hw := append(queryWords(r.Headline), words...)
		if hm := a.best(hw, lang, ""); hm.ok && hm.confidence >= a.opts.MinConfidence && hm.confidence > m.confidence {
			return hm, true
		}
	}
	return m, false
}

// firstDoc is the article's first passage in lang, else in any language.
func (a *Agent) firstDoc(id, lang string) int {
	if docs := a.byLang[id+"\x00"+lang]; len(docs) > 0 {
		return docs[0]
	}
	for i, d := range a.ix.docs {
		if d.art.id == id {
			return i
		}
	}
	return 0
}

// acknowledge says, in lang, what the customer asks about when the
// knowledge base cannot answer it: the ad's headline, else the product's
// id; "" when the request names neither.
func acknowledge(req agent.Request, lang string) string {
	var what string
	switch {
	case req.Referral != nil && strings.TrimSpace(req.Referral.Headline) != "":
		what = "“" + strings.TrimSpace(req.Referral.Headline) + "”"
	case req.Product != nil && strings.TrimSpace(req.Product.ProductRetailerID) != "":
		what = strings.TrimSpace(req.Product.ProductRetailerID)
		what = fmt.Sprintf(map[string]string{
			agent.LangEnglish:    "the catalogue item %s",
			agent.LangSpanish:    "el artículo %s del catálogo",
			agent.LangPortuguese: "o artigo %s do catálogo",
		}[lang], what)
	default:
		return ""
	}
	return fmt.Sprintf(map[string]string{
		agent.LangEnglish:    "I see you're asking about %s, but I don't have information about it here.",
		agent.LangSpanish:    "Veo que preguntas por %s, pero aquí no tengo información sobre eso.",
		agent.LangPortuguese: "Vejo que perguntas sobre %s, mas aqui não tenho informação sobre isso.",
	}[lang], what)
}
