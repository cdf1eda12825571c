-- One privacy notice per pending consent (issue 9 item 6). A customer who
-- keeps writing before answering is not sent the notice again until
-- TREMENT_NOTICE_RESEND_AFTER has passed since notice_sent_at; their
-- messages (whose content is not kept) are counted in unanswered, and the
-- count moves onto the next ledger event (consent_events.messages) instead
-- of one ledger row per message.
ALTER TABLE contacts ADD COLUMN notice_sent_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consent_events ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
