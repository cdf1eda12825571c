package store

// PauseScrubber stops db's scrubber goroutine, as a process stopping (or
// crashing) right after an erasure commits would: erasures then leave their
// detached contacts for an explicit Scrub or the next Open to delete.
func PauseScrubber(db *DB) { db.scrub.stop() }

// BackupKeyOpener returns what opens an owner's sealed backup key from db's
// backup key file, as a forensic reader holding the master key (and so the
// system secret) could; nil without a backup key file.
func BackupKeyOpener(db *DB) func(owner string, blob []byte) ([]byte, error) {
	if db.backupKeys == nil {
		return nil
	}
	return func(owner string, blob []byte) ([]byte, error) {
		return db.backupKeys.seal.Open(backupKeyLoc(owner), blob)
	}
}
