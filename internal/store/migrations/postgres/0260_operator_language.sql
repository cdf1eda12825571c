-- The console's language per operator (issue 11): "en", "es" or "pt", or
-- empty while the operator has not chosen (the browser's Accept-Language
-- decides then).
ALTER TABLE operators ADD COLUMN language TEXT NOT NULL DEFAULT '';
