package store

// PauseScrubber stops db's scrubber goroutine, as a process stopping (or
// crashing) right after an erasure commits would: erasures then leave their
// detached contacts for an explicit Scrub or the next Open to delete.
func PauseScrubber(db *DB) { db.scrub.stop() }
