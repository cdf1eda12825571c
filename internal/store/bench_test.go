package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// BenchmarkInsertMessage measures sealing and inserting inbound messages:
// one per durable commit, and 100 per commit (as the inbox processor
// batches them).
func BenchmarkInsertMessage(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		for _, per := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/per_commit=%d", be.Name, per), func(b *testing.B) {
				url, _ := be.New(b)
				db := open(b, url, newKey(b))
				c, conv := seed(b, db, "34612345678", "", "x", 0)
				body := "Hola, ¿cuándo llega mi pedido 4417-2291? Lo pedí el lunes."
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					err := db.Update(context.Background(), func(tx *store.Tx) error {
						for range per {
							n++
							m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In,
								WAMessageID: fmt.Sprintf("wamid.bench.%d", n), Type: "text", Body: body, Author: "customer", Status: conversation.StatusReceived}
							if err := tx.InsertMessage(m); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}

// BenchmarkAppendInbox measures the acknowledgement path's commit: a group
// of webhook bodies sealed and committed durably.
func BenchmarkAppendInbox(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		for _, group := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/group=%d", be.Name, group), func(b *testing.B) {
				url, _ := be.New(b)
				db := open(b, url, newKey(b))
				body := make([]byte, 900) // a typical one-message webhook body
				for i := range body {
					body[i] = 'a' + byte(i%26)
				}
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					items := make([]*conversation.InboxItem, group)
					for i := range items {
						items[i] = &conversation.InboxItem{Payload: body}
					}
					if err := db.AppendInbox(context.Background(), items...); err != nil {
						b.Fatal(err)
					}
					n += group
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "bodies/s")
			})
		}
	}
}
