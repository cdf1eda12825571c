// Package whatsapp is trement's adapter for the WhatsApp Business Platform
// Cloud API: it receives Meta's webhooks and sends messages through the Graph
// API. It imports nothing else from trement; the conversation flow is wired
// to it in cmd/trement.
//
// Everything here follows shared/spec/whatsapp-cloud-api.md. Real
// businesses point Meta at this code, so it is strict where a mistake would
// be a security problem (signatures, the verification handshake) and
// lenient where Meta's payloads evolve (unknown fields and message types are
// kept as raw JSON, never dropped).
//
// # Receiving
//
// A webhook POST must be verified over the raw body bytes before anything
// else happens, then persisted, acknowledged with 200, and processed later:
//
//	raw, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, whatsapp.MaxBodyBytes))
//	if err := whatsapp.VerifySignature(r.Header.Get(whatsapp.SignatureHeader), raw, secret); err != nil {
//		// 401, do not process
//	}
//	// store raw, reply 200, then asynchronously:
//	n, err := whatsapp.ParseNotification(raw)
//	for _, m := range n.Events().Messages {
//		// dedupe on m.Message.ID, route on m.PhoneNumberID, read m.Summary()
//	}
//
// [Webhook] packages those steps as an http.Handler, including the GET
// verification handshake ([VerifyChallenge]).
//
// # Sending
//
// [Client.Send] validates an [OutboundMessage] against Meta's documented
// limits before calling POST /{version}/{phone-number-id}/messages and
// returns the wamid to correlate status webhooks with. Failures are
// [*APIError] values (or transport errors); [Classify] turns any of them
// into the [Action] the outbox should take: retry with backoff, back off for
// one recipient, pause the number, alert about the token, switch to a
// template, or give up.
//
// A 200 from Meta means accepted, not delivered: several errors (131047,
// 131026, 131049, ...) arrive only later as a failed status webhook.
//
// # Testing
//
// Package whatsapp/sim is a local Cloud API simulator: a fake Graph API and a
// webhook deliverer that signs and retries like Meta. Tests here use
// httptest servers on loopback; the JSON fixtures in testdata/ double as the
// seed corpus of FuzzParseNotification.
package whatsapp
