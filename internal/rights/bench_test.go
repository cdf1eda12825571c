package rights_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// BenchmarkExport10k fulfils MY DATA for a customer with 10,000 messages:
// the request, the streamed ZIP (JSON and CSV of every part) sealed into
// chunks, the link and the WhatsApp message. One op is one whole export.
//
//	go test -run '^$' -bench Export10k -benchtime 5x ./internal/rights
func BenchmarkExport10k(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			u, _ := be.New(b)
			e := newEnv(b, u, rights.Config{})
			c := e.contactTB(b, "34600999000")
			ctx := context.Background()
			var conv *conversation.Conversation
			e.db.View(ctx, func(tx *store.Tx) error {
				cs, err := tx.ContactConversations(c.ID)
				conv = cs[0]
				return err
			})
			for i := 0; i < 10000; i += 1000 {
				if err := e.db.Update(ctx, func(tx *store.Tx) error {
					for j := i; j < i+1000; j++ {
						dir, author := conversation.In, "customer"
						if j%2 == 1 {
							dir, author = conversation.Out, "bot"
						}
						m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: dir, Type: "text", Author: author, Status: conversation.StatusReceived,
							Body: fmt.Sprintf("message %d: ¿cuánto tarda el envío del pedido ZX-%d a Bilbao? Gracias, un saludo.", j, j)}
						if err := tx.InsertMessage(m); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			var size int64
			b.ResetTimer()
			for range b.N {
				if err := e.db.Update(ctx, func(tx *store.Tx) error {
					_, err := e.svc.Requested(tx, c, "", "access")
					return err
				}); err != nil {
					b.Fatal(err)
				}
				if err := e.svc.Fulfil(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				e.db.View(ctx, func(tx *store.Tx) error {
					list, _ := tx.ExportsExpiringBefore(e.clock.Now().Add(48*3600e9), 1000)
					for _, x := range list {
						size = x.Size
					}
					return nil
				})
				b.StartTimer()
			}
			b.ReportMetric(float64(size)/1e6, "MB/export")
		})
	}
}
