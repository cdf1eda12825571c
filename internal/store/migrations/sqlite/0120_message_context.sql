-- Cloud API context on messages (issue 13). reply_to_wamid is the blind
-- index ('wm:…', as in wa_message_id) of the WhatsApp id an inbound
-- message replies to: the quoted row is found through wa_message_id's
-- unique index, and no id is kept in clear. reaction_enc is the
-- customer's reaction emoji on this message and meta_enc what a message
-- says about itself (forwarded, the Click-to-WhatsApp ad it came from, the
-- product asked about) as JSON, both sealed under the contact's key like
-- body_enc: an ad's campaign tied to a person is personal data too.
ALTER TABLE messages ADD COLUMN reply_to_wamid TEXT;
ALTER TABLE messages ADD COLUMN reaction_enc BLOB;
ALTER TABLE messages ADD COLUMN meta_enc BLOB;
