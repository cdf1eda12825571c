package conversation

import (
	"strings"

	"github.com/trement/trement/internal/audit"
)

// AccountSignal fields.
const (
	SignalNumberQuality   = "number_quality"
	SignalAccount         = "account"
	SignalTemplate        = "template"
	SignalTemplateQuality = "template_quality"
)

// usesTemplate reports whether template ("name/language") is one the
// flow falls back to outside the 24-hour window (the default or a
// number's own).
func (f *Flow) usesTemplate(template string) bool {
	name, _, _ := strings.Cut(template, "/")
	if name == "" {
		return false
	}
	if name == f.cfg.TemplateName {
		return true
	}
	for _, t := range f.cfg.NumberTemplates {
		if t.Name == name {
			return true
		}
	}
	return false
}

// windowTemplate is the template sent instead of free-form text to a
// customer whose 24-hour window closed, on business number
// phoneNumberID: the number's own (Config.NumberTemplates: numbers of
// another WhatsApp Business Account have templates of their own) or the
// default; nil when neither is configured.
func (f *Flow) windowTemplate(phoneNumberID string) *Template {
	if t, ok := f.cfg.NumberTemplates[phoneNumberID]; ok && t.Name != "" {
		return &Template{Name: t.Name, Language: t.Language, Body: t.Body}
	}
	if f.cfg.TemplateName == "" {
		return nil
	}
	return &Template{Name: f.cfg.TemplateName, Language: f.cfg.TemplateLanguage, Body: f.cfg.TemplateBody}
}

// account records a report about the business's number, account or
// templates in the audit log (the tamper-evident record operators and the
// alerter read), logs it at its severity, and slows the number down when
// its quality dropped, as a 130429 would.
func (p *processor) account(tx Tx, a AccountSignal, numbers map[string]string) error {
	// The business's own number and account id are not a customer's, but
	// they look like phone numbers, which the audit log refuses: their
	// last four digits say which one to a person who runs them.
	action, target := audit.ActionMetaAccount, "account:"+lastFour(a.WABAID)
	switch a.Field {
	case SignalNumberQuality:
		action, target = audit.ActionMetaNumberQuality, "number:"+lastFour(a.Number)
	case SignalTemplate:
		action, target = audit.ActionMetaTemplate, "template:"+a.Template
	case SignalTemplateQuality:
		action, target = audit.ActionMetaTemplateQuality, "template:"+a.Template
	}
	if a.Template != "" && p.flow.usesTemplate(a.Template) && a.Severity == "warning" {
		// The template trement itself falls back to outside the 24-hour
		// window: a paused or disabled one means closed windows get no
		// answer at all.
		a.Severity, a.Detail = "critical", strings.TrimPrefix(a.Detail+"; this is TEMPLATE_NAME, the fallback outside the 24-hour window", "; ")
	}
	reason := a.Severity + ": " + a.Event
	if a.Detail != "" {
		reason += " (" + a.Detail + ")"
	}
	// The number is the phone_number_id this body showed for the display
	// number; a report naming one it did not show (quality reports carry
	// only the display number) has "", and every number this replica
	// sends from slows down.
	if a.Slow && p.throttle != nil && p.throttle(numbers[a.Number]) {
		p.stats.Throttled.Add(1)
		p.stats.ThrottledByNumber.Add(numbers[a.Number])
		reason += "; sending slowed down"
	}
	log := p.log.Info
	switch a.Severity {
	case "critical":
		log = p.log.Error
	case "warning":
		log = p.log.Warn
	}
	log("Meta reported a change to the business account", "about", target, "event", a.Event, "detail", a.Detail)
	ev := &audit.Event{ActorType: audit.ActorSystem, ActorID: "whatsapp", Action: action, Target: target, Outcome: audit.Success, Reason: reason}
	ev.ClipFields()
	if ev.Validate() != nil {
		// Whatever Meta put in a template's name must not hold the body
		// up forever: the report is kept with the kind of subject only.
		ev.Target, _, _ = strings.Cut(target, ":")
	}
	return tx.AppendAudit(ev)
}

// lastFour is "…" and the last four characters of id.
func lastFour(id string) string {
	if len(id) <= 4 {
		return id
	}
	return "…" + id[len(id)-4:]
}
