package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/retention"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// seedMany creates a contact with n messages, in transactions of 1,000.
func seedMany(b *testing.B, db *store.DB, waID string, n int) *conversation.Contact {
	b.Helper()
	c, conv := seed(b, db, waID, "", "", 0)
	for done := 0; done < n; {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for i := 0; i < 1000 && done < n; i++ {
				done++
				if err := tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In,
					WAMessageID: fmt.Sprintf("wamid.%s.%d", c.ID, done), Type: "text", Body: "¿Cuándo llega mi pedido 4417-2291? Lo pedí el lunes.",
					Author: "customer", Status: conversation.StatusReceived}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// BenchmarkEraseCustomer10k erases one customer holding 10,000 messages:
// the erasure transaction (tombstone, ledger entry, key destroyed, rows
// deleted under secure_delete), and then with the scrub that follows it
// (WAL checkpoint on SQLite, VACUUM on PostgreSQL). Goal: < 100 ms. On
// SQLite, backupkeys=true adds a backup key file and a snapshot taken
// before each erasure, so the erasure also destroys the customer's backup
// key (a delete, a synced commit and a truncating checkpoint of that file).
func BenchmarkEraseCustomer10k(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		for _, v := range []struct{ scrub, keys bool }{{false, false}, {true, false}, {false, true}} {
			if v.keys && be.Name != store.SQLite {
				continue
			}
			b.Run(fmt.Sprintf("%s/scrub=%v/backupkeys=%v", be.Name, v.scrub, v.keys), func(b *testing.B) {
				url, _ := be.New(b)
				o := store.Options{URL: url, MasterKey: newKey(b)}
				if v.keys {
					o.BackupKeys = filepath.Join(b.TempDir(), "backup-keys.db")
				}
				db, err := store.Open(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				seedMany(b, db, "4915100000000", 20000) // others' rows, so the tables are not empty
				ctx := context.Background()
				i := 0
				for b.Loop() {
					b.StopTimer()
					i++
					c := seedMany(b, db, fmt.Sprintf("49151%08d", i), 10000)
					if err := db.Scrub(ctx); err != nil {
						b.Fatal(err)
					}
					if v.keys {
						snap := filepath.Join(b.TempDir(), "snapshot.db")
						if err := db.Snapshot(ctx, snap); err != nil {
							b.Fatal(err)
						}
						os.Remove(snap)
					}
					b.StartTimer()
					if err := db.Update(ctx, func(tx *store.Tx) error { return tx.EraseContact(c.ID) }); err != nil {
						b.Fatal(err)
					}
					if v.scrub {
						if err := db.Scrub(ctx); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkPurgeExpired runs a retention pass over 100,000 expired
// messages of 100 active customers (who stay), in the purger's batches of
// 5,000, and reports messages per second. Goal: ≥ 50,000 messages/s.
func BenchmarkPurgeExpired(b *testing.B) {
	const customers, per = 100, 1000
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			url, _ := be.New(b)
			now := time.Now().Add(-100 * 24 * time.Hour)
			db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(b), Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			p, err := retention.New(store.Retention(db), retention.Rules{Default: 30 * 24 * time.Hour}, time.Now, nil)
			if err != nil {
				b.Fatal(err)
			}
			var purged int64
			var took, cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				now = time.Now().Add(-100 * 24 * time.Hour)
				var ids []string
				for i := range customers {
					ids = append(ids, seedMany(b, db, fmt.Sprintf("55119%08d", i+len(ids)*1000+int(purged)), per).ID)
				}
				now = time.Now() // the customers are active: only their messages expired
				if err := db.Update(context.Background(), func(tx *store.Tx) error {
					for _, id := range ids {
						c, err := tx.Contact(id)
						if err != nil {
							return err
						}
						if err := tx.UpdateContact(c); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0, cpu0 := time.Now(), processCPU()
				c, err := p.Run(context.Background(), nil)
				took += time.Since(t0)
				cpu += processCPU() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				if c.Messages != customers*per || c.Inactive != 0 {
					b.Fatalf("pass removed %+v, want %d messages and no customer", c, customers*per)
				}
				purged += c.Messages
			}
			b.ReportMetric(float64(purged)/took.Seconds(), "messages/s")
			// The process's CPU time per purged message (all threads):
			// what the rate would be with a core to itself and no wait.
			b.ReportMetric(float64(cpu.Microseconds())/float64(purged), "cpu-µs/message")
		})
	}
}

// processCPU is the CPU time (user and system) the process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
