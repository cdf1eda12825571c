package console

import (
	"net/http"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/rights"
)

// ownRoutes is every route of the console, in one place.
func (s *Server) ownRoutes() []Route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []Route{
		// Public because load balancers and orchestrators probe liveness
		// without credentials; it says "ok" or "unavailable" and nothing else.
		{"GET", "/healthz", auth.PermHealthRead, AuthPublic, h(s.healthz)},

		// Public because they are how one signs in: the password step, then
		// TOTP, a recovery code or enrolment, each refusing without the
		// pending session (and its CSRF token) that the previous step set.
		{"POST", "/api/v1/login", auth.PermLogin, AuthPublic, h(s.apiLogin)},
		{"POST", "/api/v1/login/totp", auth.PermLogin, AuthPublic, h(s.apiLoginTOTP)},
		{"POST", "/api/v1/login/recovery", auth.PermLogin, AuthPublic, h(s.apiLoginRecovery)},
		{"POST", "/api/v1/login/enrolment", auth.PermLogin, AuthPublic, h(s.apiEnrolBegin)},
		{"POST", "/api/v1/login/enrolment/confirm", auth.PermLogin, AuthPublic, h(s.apiEnrolConfirm)},
		// Public: the sign-in pages themselves and their stylesheet.
		{"GET", "/login", auth.PermLogin, AuthPublic, h(s.pageLogin)},
		{"POST", "/login", auth.PermLogin, AuthPublic, h(s.pageLoginPost)},
		{"GET", "/login/mfa", auth.PermLogin, AuthPublic, h(s.pageMFA)},
		{"POST", "/login/mfa", auth.PermLogin, AuthPublic, h(s.pageMFAPost)},
		{"POST", "/login/enrol/start", auth.PermLogin, AuthPublic, h(s.pageEnrolStart)},
		{"POST", "/login/enrol", auth.PermLogin, AuthPublic, h(s.pageEnrolPost)},
		{"GET", "/static/console.css", auth.PermLogin, AuthPublic, s.serveStatic("console.css", "text/css; charset=utf-8")},
		{"GET", "/static/console.js", auth.PermLogin, AuthPublic, s.serveStatic("console.js", "text/javascript; charset=utf-8")},

		// Oneself.
		{"POST", "/api/v1/logout", auth.PermSelf, AuthSession, h(s.apiLogout)},
		{"POST", "/api/v1/logout-everywhere", auth.PermSelf, AuthSession, h(s.apiLogoutEverywhere)},
		{"GET", "/api/v1/me", auth.PermSelf, AuthSessionOrToken, h(s.apiMe)},
		{"POST", "/api/v1/me/password", auth.PermSelf, AuthSession, h(s.apiChangePassword)},
		{"GET", "/api/v1/roles", auth.PermSelf, AuthSessionOrToken, h(s.apiRoles)},
		{"GET", "/api/v1/openapi.json", auth.PermSelf, AuthSessionOrToken, h(s.apiOpenAPI)},
		{"GET", "/api/v1/me/policy", auth.PermSelf, AuthSessionOrToken, h(s.apiMyPolicy)},
		{"POST", "/api/v1/me/policy-ack", auth.PermSelf, AuthSession, h(s.apiAckPolicy)},
		{"GET", "/api/v1/policy-acks", auth.PermOperatorsManage, AuthSessionOrToken, h(s.apiPolicyAcks)},

		// Operators and roles.
		{"GET", "/api/v1/operators", auth.PermOperatorsManage, AuthSessionOrToken, h(s.apiOperators)},
		{"POST", "/api/v1/operators", auth.PermOperatorsManage, AuthSession, h(s.apiCreateOperator)},
		{"GET", "/api/v1/operators/{id}", auth.PermOperatorsManage, AuthSessionOrToken, h(s.apiOperator)},
		{"PATCH", "/api/v1/operators/{id}", auth.PermOperatorsManage, AuthSession, h(s.apiUpdateOperator)},
		{"DELETE", "/api/v1/operators/{id}", auth.PermOperatorsManage, AuthSession, h(s.apiDeleteOperator)},
		{"POST", "/api/v1/operators/{id}/reset-mfa", auth.PermOperatorsManage, AuthSession, h(s.apiResetMFA)},
		{"POST", "/api/v1/operators/{id}/reset-password", auth.PermOperatorsManage, AuthSession, h(s.apiResetPassword)},
		{"PUT", "/api/v1/operators/{id}/role", auth.PermRolesManage, AuthSession, h(s.apiSetRole)},
		{"POST", "/api/v1/operators/{id}/logout-everywhere", auth.PermOperatorsManage, AuthSession, h(s.apiEndSessions)},

		// API tokens: created by a person (session), usable by machines.
		{"GET", "/api/v1/tokens", auth.PermTokensManage, AuthSessionOrToken, h(s.apiTokens)},
		{"POST", "/api/v1/tokens", auth.PermTokensManage, AuthSession, h(s.apiCreateToken)},
		{"DELETE", "/api/v1/tokens/{id}", auth.PermTokensManage, AuthSessionOrToken, h(s.apiRevokeToken)},

		// The audit log.
		{"GET", "/api/v1/audit", auth.PermAuditRead, AuthSessionOrToken, h(s.apiAudit)},
		{"GET", "/api/v1/audit/verify", auth.PermAuditRead, AuthSessionOrToken, h(s.apiAuditVerify)},
		{"GET", "/api/v1/audit/export", auth.PermAuditExport, AuthSessionOrToken, h(s.apiAuditExport)},

		// Conversations: masked; agents see their own and the queue.
		{"GET", "/api/v1/conversations", auth.PermConversationsReadAssigned, AuthSessionOrToken, h(s.listConversations)},
		{"GET", "/api/v1/conversations/{id}", auth.PermConversationsReadAssigned, AuthSessionOrToken, h(s.getConversation)},
		{"POST", "/api/v1/conversations/{id}/reveal", auth.PermPIIReveal, AuthSession, h(s.revealConversation)},
		// A file the customer sent (DOWNLOAD_MEDIA): whoever may read the
		// conversation, each viewing audited.
		{"GET", "/api/v1/conversations/{id}/messages/{message}/media", auth.PermConversationsReadAssigned, AuthSessionOrToken, s.serveMedia(false)},
		// A blocked customer's data, for the DPO answering a court or authority.
		{"POST", "/api/v1/blocked", auth.PermContactsReadBlocked, AuthSession, h(s.openBlocked)},
		{"POST", "/api/v1/conversations/{id}/reply", auth.PermConversationsReply, AuthSessionOrToken, h(s.replyConversation)},
		{"POST", "/api/v1/conversations/{id}/take", auth.PermConversationsReply, AuthSession, h(s.takeConversation)},
		{"POST", "/api/v1/conversations/{id}/notes", auth.PermConversationsReply, AuthSessionOrToken, h(s.noteConversation)},
		{"POST", "/api/v1/conversations/{id}/handback", auth.PermConversationsReply, AuthSession, h(s.handBackConversation)},
		{"POST", "/api/v1/conversations/{id}/assign", auth.PermConversationsAssign, AuthSessionOrToken, h(s.assignConversation)},

		// Business-initiated messages, only to customers who opted in.
		{"POST", "/api/v1/messages", auth.PermMessagesSend, AuthSessionOrToken, s.withMessages(s.sendMessage)},
		{"POST", "/api/v1/consent/marketing", auth.PermMessagesSend, AuthSessionOrToken, s.withMessages(s.recordMarketingConsent)},

		// Anomaly alerts raised by the rules over the audit log and metrics.
		{"GET", "/api/v1/alerts", auth.PermAuditRead, AuthSessionOrToken, h(s.apiAlerts)},

		// Breach incidents: record, estimate, clocks, checklist, drafts.
		{"GET", "/api/v1/incidents", auth.PermIncidentsManage, AuthSessionOrToken, h(s.apiIncidents)},
		{"POST", "/api/v1/incidents", auth.PermIncidentsManage, AuthSession, h(s.apiCreateIncident)},
		{"GET", "/api/v1/incidents/{id}", auth.PermIncidentsManage, AuthSessionOrToken, h(s.apiIncident)},
		{"POST", "/api/v1/incidents/{id}/steps/{step}", auth.PermIncidentsManage, AuthSession, h(s.apiIncidentStep)},
		{"POST", "/api/v1/incidents/{id}/authority/{region}", auth.PermIncidentsManage, AuthSession, h(s.apiIncidentAuthority)},
		{"POST", "/api/v1/incidents/{id}/close", auth.PermIncidentsManage, AuthSession, h(s.apiCloseIncident)},

		// Data-subject requests and corrections (the DPO's work).
		{"GET", "/api/v1/dsar", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.listRequests)},
		{"POST", "/api/v1/dsar", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.createRequest)},
		{"GET", "/api/v1/dsar/{id}", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.getRequest)},
		{"POST", "/api/v1/dsar/{id}/approve", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.approveRequest)},
		{"POST", "/api/v1/dsar/{id}/status", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.moveRequest)},
		{"PATCH", "/api/v1/contacts/{id}", auth.PermDSARManage, AuthSessionOrToken, s.withRights(s.correctContact)},
		// The customer's export, reached by the single-use signed link sent
		// over WhatsApp: the handler checks the link.
		{"GET", rights.DownloadPath + "{token}", auth.PermDSARDownload, AuthLink, s.withRights(s.downloadExport)},

		// Pages for signed-in operators.
		{"GET", "/{$}", auth.PermSelf, AuthSession, h(s.pageHome)},
		{"GET", "/conversations", auth.PermConversationsReadAssigned, AuthSession, h(s.pageConversations)},
		{"GET", "/conversations/rows", auth.PermConversationsReadAssigned, AuthSession, h(s.pageInboxRows)},
		// Live updates for the open pages: ids and queues, never content.
		{"GET", "/conversations/events", auth.PermConversationsReadAssigned, AuthSession, h(s.pageEvents)},
		{"GET", "/conversations/{id}", auth.PermConversationsReadAssigned, AuthSession, h(s.pageConversation)},
		{"GET", "/conversations/{id}/thread", auth.PermConversationsReadAssigned, AuthSession, h(s.pageThread)},
		{"GET", "/conversations/{id}/messages/{message}/media", auth.PermConversationsReadAssigned, AuthSession, s.serveMedia(true)},
		{"GET", "/requests", auth.PermDSARManage, AuthSession, h(s.pageRequests)},
		// Customers' data, masked, for those who answer their requests.
		{"GET", "/customers", auth.PermDSARManage, AuthSession, h(s.pageCustomers)},
		{"GET", "/customers/{id}", auth.PermDSARManage, AuthSession, h(s.pageCustomer)},
		{"GET", "/audit", auth.PermAuditRead, AuthSession, h(s.pageAudit)},
		// Counts a day, no personal data: the same reach as the metrics.
		{"GET", "/dashboard", auth.PermMetricsRead, AuthSession, h(s.pageDashboard)},
		// The configuration in force, read-only, and resuming a paused
		// sender: the deployment's business (owner, admin).
		{"GET", "/settings", auth.PermSettingsManage, AuthSession, h(s.pageSettings)},
		{"GET", "/operators", auth.PermOperatorsManage, AuthSession, h(s.pageOperators)},
		{"GET", "/tokens", auth.PermTokensManage, AuthSession, h(s.pageTokens)},
		// The breach desk: incidents with their legal clocks; the actions
		// post to the incident API above.
		{"GET", "/incidents", auth.PermIncidentsManage, AuthSession, h(s.pageIncidents)},
		// The page's form that declares an incident (CSRF token in the
		// form); recorded and audited as the API records it.
		{"POST", "/incidents", auth.PermIncidentsManage, AuthSession, h(s.pageCreateIncident)},
		{"GET", "/incidents/{id}", auth.PermIncidentsManage, AuthSession, h(s.pageIncident)},
		{"POST", "/logout", auth.PermSelf, AuthSession, h(s.pageLogout)},
		// One's own console language (the header's selector).
		{"POST", "/account/language", auth.PermSelf, AuthSession, h(s.pageLanguagePost)},
	}
}
