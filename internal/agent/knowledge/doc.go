// Package knowledge is trement's built-in, offline customer-service agent:
// it answers from a business's own articles, with no model and no network.
//
// It exists so that a business can run the gateway without sending customer
// conversations to any AI vendor, and so that a model-backed provider
// (agent/openai) has passages to ground its answers in. Because it can only
// repeat what the business wrote, it cannot invent a policy; when no article
// answers the question well enough it says so (Reply.Unsure) and the flow
// tells the customer what it can help with and offers a person.
//
// # Knowledge folder
//
// New reads an fs.FS, walking it recursively:
//
//   - *.md are articles. A front-matter block gives id, title, lang (en, es
//     or pt) and tags (comma-separated or [a, b]). Translations of one
//     article share an id. "##" headings split an article into passages.
//   - *.yaml and *.yml hold FAQ entries (id, question, answer, tags) under a
//     top-level lang; a small YAML subset is parsed by hand (see parseFAQ).
//   - synonyms.txt at the root holds one comma-separated synonym group a line.
//     A member written "=words" is a fixed phrase, a phrase that means
//     something its words do not ("=contra reembolso", cash on delivery, is
//     not a refund): where it occurs, in an article or a question, its words
//     count as one term, the same for every fixed phrase of the group.
//   - neutral.txt at the root lists words that say nothing about which
//     article answers (what the shop sells, places, time: "trainers",
//     "Germany", "weeks"); they are left out of queries instead of counting
//     as unknown words, which lower the confidence.
//
// An article about a catalog product names the product's retailer id
// (its SKU) in its tags: a customer who asks "is this available?" about
// that product (agent.Request.Product) is answered from it (product.go).
//
// Sample returns a realistic example folder for a fictional shop.
//
// # Retrieval
//
// Passages are ranked with BM25 (k1 = 1.2, b = 0.75) over normalised terms:
// lower case, accents folded, fixed phrases joined, per-language stopwords,
// light per-language suffix stemming (plurals, gender, derivations, and in
// Spanish and Portuguese the conjugations and attached pronouns, so that
// "enviamos", "envían" and "envío" meet). Titles, headings and tags weigh
// more than body text. Unknown query words are matched to the closest
// indexed word within one or two edits (typos), and synonyms are searched
// with a lower weight. A query is analysed in the customer's language
// unless its stopwords clearly say otherwise; all languages are searched,
// passages in the customer's language are boosted, and an answer found in
// another language is shown in the customer's language when the article
// has that translation.
//
// A few words are read in context first (see sense.go): a deadline
// ("until when…?", "¿hasta cuándo…?", "até quando…?") drops its question
// words and, like a duration ("how long"), prefers passages that state a
// period; "número" beside a shoe or a shoe size is searched as a size.
//
// A built-in lexicon (lexicon.go) adds to every knowledge base what any
// shop's customers say otherwise than its articles: synonym groups of
// e-commerce vocabulary in the three languages ("amex", "cuotas",
// "caducidad", "nochebuena"), linked across languages, and a gazetteer of
// countries and cities, left out of a question that sends something there.
// A question about a price prefers passages stating an amount, and one
// about the assistant itself ("are you a bot?") is answered by it: an AI
// assistant, and a person can take over.
//
// The article found, its passages are ranked again for the answer (see
// passage.go): heading and text matches, numbers for a rule or time
// question, a list for an options question, and two passages that match
// nearly as well are joined. A message with two questions ("how long does
// it take and how much does it cost?") gets one answer from each article.
//
// # Confidence
//
// Reply's confidence is the share of the question's weight (IDF) the best
// passage covers, scaled by its margin over the best passage of another
// article. A question word ("cuánto", "how") counts in that share only
// where a title, heading or tag has it, not in running text ("en cuanto"),
// and a synonym counts less than the word. A question with at least as
// many topic words found in no article as words the passage matches ("do
// you sell cars?") keeps three quarters of its confidence: an answer must
// explain more of what was asked than it leaves out.
// Below Options.MinConfidence the agent answers Unsure, with no text.
// Greetings, thanks and goodbyes get a polite reply, and a greeting
// discloses that the customer is talking to an AI.
package knowledge
