package auth

import (
	"slices"
	"strings"

	"github.com/trement/trement/internal/audit"
)

// Role is an operator's role. An operator has exactly one.
type Role string

// Roles, from most to least trusted.
const (
	RoleOwner      Role = "owner"      // the business: everything, and the only one who manages keys and roles
	RoleAdmin      Role = "admin"      // runs the deployment: operators, settings, tokens, metrics; no customer data
	RoleDPO        Role = "dpo"        // data-protection officer: data-subject requests, incidents, erasure, audit
	RoleSupervisor Role = "supervisor" // leads the agents: every conversation, assignment, reveal with a reason
	RoleAgent      Role = "agent"      // answers customers: only conversations assigned to them, masked
	RoleAuditor    Role = "auditor"    // reads and exports the audit log; nothing else
)

// Roles lists every role.
func Roles() []Role {
	return []Role{RoleOwner, RoleAdmin, RoleDPO, RoleSupervisor, RoleAgent, RoleAuditor}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Permission is one thing a principal may do. Every console route declares
// exactly one.
type Permission string

// Permissions.
const (
	PermConversationsReadAll      Permission = "conversations:read_all"      // list and read every conversation (masked)
	PermConversationsReadAssigned Permission = "conversations:read_assigned" // list and read conversations assigned to oneself, and the waiting queue (masked)
	PermConversationsReply        Permission = "conversations:reply"         // reply, take and hand back
	PermConversationsAssign       Permission = "conversations:assign"        // assign a conversation to another operator
	PermMessagesSend              Permission = "messages:send"               // send an approved template to a customer who opted in for its purpose (business-initiated), and record marketing opt-ins collected elsewhere
	PermPIIReveal                 Permission = "pii:reveal"                  // unmask a customer's number, name and messages, with a typed reason
	PermContactsErase             Permission = "contacts:erase"              // erase a customer (crypto-shred)
	PermContactsReadBlocked       Permission = "contacts:read_blocked"       // open a blocked customer's data for a court or authority, with its request as reason (DPO only)
	PermDSARManage                Permission = "dsar:manage"                 // handle data-subject requests
	PermIncidentsManage           Permission = "incidents:manage"            // record and handle security incidents
	PermAuditRead                 Permission = "audit:read"                  // read and verify the audit log
	PermAuditExport               Permission = "audit:export"                // export the audit log (JSONL)
	PermOperatorsManage           Permission = "operators:manage"            // create, disable, delete operators; reset their MFA
	PermRolesManage               Permission = "roles:manage"                // change roles; manage owners and admins
	PermKeysManage                Permission = "keys:manage"                 // rotate keys
	PermTokensManage              Permission = "tokens:manage"               // create, list and revoke one's API tokens
	PermSettingsManage            Permission = "settings:manage"             // change settings
	PermMetricsRead               Permission = "metrics:read"                // read metrics
	PermExportTraining            Permission = "export:training"             // export redacted conversations for training
	PermSelf                      Permission = "self:manage"                 // see oneself, sign out, change one's password
	PermHealthRead                Permission = "health:read"                 // liveness; anyone
	PermLogin                     Permission = "auth:login"                  // the sign-in and MFA steps; anyone
	PermWebhookDeliver            Permission = "webhook:deliver"             // Meta delivering webhooks, proven by signature; no role
	PermDSARDownload              Permission = "dsar:download"               // a customer fetching their data export, proven by a single-use signed link; no role
)

// Permissions lists every permission.
func Permissions() []Permission {
	return []Permission{
		PermConversationsReadAll, PermConversationsReadAssigned, PermConversationsReply, PermConversationsAssign, PermMessagesSend,
		PermPIIReveal, PermContactsErase, PermContactsReadBlocked, PermDSARManage, PermIncidentsManage, PermAuditRead, PermAuditExport,
		PermOperatorsManage, PermRolesManage, PermKeysManage, PermTokensManage, PermSettingsManage,
		PermMetricsRead, PermExportTraining, PermSelf, PermHealthRead, PermLogin, PermWebhookDeliver,
		PermDSARDownload,
	}
}

// Valid reports whether p is a known permission.
func (p Permission) Valid() bool { return slices.Contains(Permissions(), p) }

// matrix is the role → permission table. It is the whole of RBAC: change
// it here, and README's table (Matrix) follows.
//
//	permission                   owner admin dpo supervisor agent auditor
//	conversations:read_all         x          x      x
//	conversations:read_assigned    x          x      x        x
//	conversations:reply            x                 x        x
//	conversations:assign           x                 x
//	messages:send                  x                 x
//	pii:reveal                     x          x      x
//	contacts:erase                 x          x
//	contacts:read_blocked                     x
//	dsar:manage                    x          x
//	incidents:manage               x          x
//	audit:read                     x     x    x                     x
//	audit:export                   x          x                     x
//	operators:manage               x     x
//	roles:manage                   x
//	keys:manage                    x
//	tokens:manage                  x     x    x                     x
//	settings:manage                x     x
//	metrics:read                   x     x    x      x
//	export:training                x          x
//	self:manage                    x     x    x      x        x     x
//	health:read                    x     x    x      x        x     x   (and anonymous)
//	auth:login                                                            (anonymous only)
//	webhook:deliver                                                       (Meta, by signature only)
//	dsar:download                                                         (a customer's single-use download link only)
var matrix = map[Role][]Permission{
	RoleOwner: {
		PermConversationsReadAll, PermConversationsReadAssigned, PermConversationsReply, PermConversationsAssign, PermMessagesSend,
		PermPIIReveal, PermContactsErase, PermDSARManage, PermIncidentsManage, PermAuditRead, PermAuditExport,
		PermOperatorsManage, PermRolesManage, PermKeysManage, PermTokensManage, PermSettingsManage,
		PermMetricsRead, PermExportTraining, PermSelf, PermHealthRead,
	},
	RoleAdmin: {
		PermAuditRead, PermOperatorsManage, PermTokensManage, PermSettingsManage, PermMetricsRead,
		PermSelf, PermHealthRead,
	},
	RoleDPO: {
		PermConversationsReadAll, PermConversationsReadAssigned, PermPIIReveal, PermContactsErase, PermContactsReadBlocked,
		PermDSARManage, PermIncidentsManage, PermAuditRead, PermAuditExport, PermTokensManage,
		PermMetricsRead, PermExportTraining, PermSelf, PermHealthRead,
	},
	RoleSupervisor: {
		PermConversationsReadAll, PermConversationsReadAssigned, PermConversationsReply, PermConversationsAssign, PermMessagesSend,
		PermPIIReveal, PermMetricsRead, PermSelf, PermHealthRead,
	},
	RoleAgent: {
		PermConversationsReadAssigned, PermConversationsReply, PermSelf, PermHealthRead,
	},
	RoleAuditor: {
		PermAuditRead, PermAuditExport, PermTokensManage, PermSelf, PermHealthRead,
	},
}

// anonymousPerms are what an unauthenticated client may do.
var anonymousPerms = []Permission{PermHealthRead, PermLogin}

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(matrix[r], p) }

// Permissions lists what role r holds.
func (r Role) Permissions() []Permission { return slices.Clone(matrix[r]) }

// Matrix renders the role → permission table as Markdown, for the README.
func Matrix() string {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range Roles() {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range Roles() {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, p := range Permissions() {
		b.WriteString("| `" + string(p) + "` |")
		for _, r := range Roles() {
			if r.Can(p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// PrincipalKind says how a principal proved who it is.
type PrincipalKind string

// Principal kinds.
const (
	KindOperator  PrincipalKind = "operator"  // a full (MFA-completed) console session
	KindToken     PrincipalKind = "token"     // an API token
	KindAnonymous PrincipalKind = "anonymous" // nobody in particular
	KindSignature PrincipalKind = "signature" // a caller the handler authenticates itself (Meta's webhook HMAC)
	KindLink      PrincipalKind = "link"      // the holder of a single-use signed download link, checked by the handler
)

// Principal is who is making a request.
type Principal struct {
	Kind       PrincipalKind
	OperatorID string // the operator, or the token's creator
	Username   string
	Role       Role
	SessionID  string       // KindOperator
	TokenID    string       // KindToken
	Scopes     []Permission // KindToken: what the token was granted
}

// Anonymous is the principal of an unauthenticated request.
func Anonymous() *Principal { return &Principal{Kind: KindAnonymous} }

// SignatureCaller is the principal of a route whose handler authenticates
// the caller itself (Meta's webhook): it may only deliver webhooks.
func SignatureCaller() *Principal { return &Principal{Kind: KindSignature} }

// LinkHolder is the principal of a route whose handler checks a signed
// single-use link (a customer's data export): it may only download.
func LinkHolder() *Principal { return &Principal{Kind: KindLink} }

// Can reports whether p may do perm. A token may do what it was scoped to
// and its creator's role still allows, so demoting or disabling the creator
// narrows their tokens at once.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case KindOperator:
		return p.Role.Can(perm)
	case KindToken:
		return slices.Contains(p.Scopes, perm) && p.Role.Can(perm)
	case KindAnonymous:
		return slices.Contains(anonymousPerms, perm)
	case KindSignature:
		return perm == PermWebhookDeliver
	case KindLink:
		return perm == PermDSARDownload
	}
	return false
}

// ActorType is how p appears in audit events.
func (p *Principal) ActorType() audit.ActorType {
	switch {
	case p == nil:
		return audit.ActorAnonymous
	case p.Kind == KindOperator:
		return audit.ActorOperator
	case p.Kind == KindToken:
		return audit.ActorToken
	case p.Kind == KindSignature:
		return audit.ActorMeta
	}
	return audit.ActorAnonymous
}

// ActorID is p's id in audit events: the operator id or the token id.
func (p *Principal) ActorID() string {
	switch {
	case p == nil:
		return ""
	case p.Kind == KindToken:
		return p.TokenID
	}
	return p.OperatorID
}
