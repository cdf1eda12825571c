-- WhatsApp message ids encode the customer's number: messages.wa_message_id
-- now holds the id's blind index ('wm:…'), this column the id sealed under
-- the contact's key. Existing rows, seen_events keys and the consent
-- ledger's ids are converted by the store at start-up (migrateWamids):
-- SQL cannot compute the keyed hash.
ALTER TABLE messages ADD COLUMN wa_message_id_enc BYTEA;
