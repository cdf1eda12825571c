package store

// PostgreSQL advisory lock keys, in one place so that no two uses share a
// key: a session lock and a transaction lock on the same key, taken by one
// replica on two connections, wait for each other forever.
const (
	lockMigrations = 7364321001 // transaction lock: one replica migrates at a time
	lockAudit      = 7364321002 // transaction lock: appends extend one audit chain
	lockLead       = 7364321003 // session lock: the replica that processes the inbox
)
