// Package policy turns "which privacy law applies to this WhatsApp contact,
// and what does it make us do?" into data the rest of trement can act on.
//
// Every deadline, age, authority and consent rule that the gateway enforces
// lives here, next to the article it comes from, so that a record of
// processing, a DSAR clock or an incident runbook can cite its source instead
// of repeating magic numbers. The facts come from the project's regulations
// fact sheet (shared/spec/regulations.md); values that sheet marks [unsure]
// carry "[unsure]" in their citation so counsel can find them.
//
// The package is pure: it imports nothing internal, does no I/O and never
// reads the clock. Callers pass the time in.
//
// # Packs
//
// A [Pack] is one jurisdiction's rules: GDPR, Spain (GDPR + LOPDGDD), Brazil
// (LGPD), Mexico (LFPDPPP 2025), Colombia (Ley 1581), Argentina (Ley 25.326)
// and California (CCPA/CPRA). A Pack describes what the product does, which
// is not always what the law literally says: where a law gives no fixed
// period ("without undue delay", "no duty found"), the Pack carries the
// trement default from the fact sheet's engineering defaults (72 h for breach
// notices, 5 business days for erasure) and its citation says so. That way no
// deadline is ever zero and a missing fact falls on the strict side.
//
// The [Strict] pack takes the strictest value of every field across all other
// packs (shortest deadline, highest minimum age, DPO required, express
// consent, consent per purpose, block before delete). It is the default for
// numbers no regime claims — UK, Switzerland, Canada, unparsable numbers —
// because "when unsure, apply the strictest profile".
//
// # Routing
//
// [Engine.ForPhone] routes a wa_id by its E.164 country calling code, and for
// +1 by California area code. A phone prefix shows where a number was issued,
// not where its owner lives, so the [Decision] carries a human-readable Reason
// to log next to the consent record, and callers should let the person or an
// operator override it (see [Engine.Pack]). Reasons never contain the number
// itself.
//
// # Deadlines
//
// [DueDate] counts calendar days, business days (Monday to Friday), hours or
// calendar months. Public holidays are out of scope: a business-day deadline
// computed here can only be earlier than the legal one, never later.
//
// # Notices
//
// [Render] and [Pack.Text] produce the short WhatsApp texts the bot sends
// (first contact, opt-out confirmation, erasure confirmation, ...) in English,
// Spanish and Portuguese.
package policy
