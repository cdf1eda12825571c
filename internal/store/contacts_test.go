package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
)

// TestContactsList: the customer list is newest first, filters by consent
// state, pages by id, counts only requests not final, opens the number and
// name, and leaves blocked and erased customers out.
func TestContactsList(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		var ids []string
		for i, st := range []conversation.ConsentState{conversation.ConsentGranted, conversation.ConsentWithdrawn, conversation.ConsentGranted, conversation.ConsentPending} {
			update(t, db, func(tx *store.Tx) error {
				c := &conversation.Contact{WaID: "3460000000" + string(rune('1'+i)), ProfileName: "Name " + string(rune('A'+i)),
					Region: "ES", RegionReason: "country code +34", Language: "es", ConsentState: st}
				if err := tx.CreateContact(c); err != nil {
					return err
				}
				ids = append(ids, c.ID)
				return nil
			})
		}
		// Two requests of the first contact are open, one is final; one
		// request of the third is open.
		update(t, db, func(tx *store.Tx) error {
			for _, r := range []*rights.Request{
				{ContactID: ids[0], Type: rights.Access, Status: rights.StatusOpen},
				{ContactID: ids[0], Type: rights.Erasure, Status: rights.StatusAwaitingApproval},
				{ContactID: ids[0], Type: rights.Correction, Status: rights.StatusCompleted},
				{ContactID: ids[2], Type: rights.Access, Status: rights.StatusOpen},
			} {
				r.WaIndex, r.Source, r.Identity, r.Region, r.DueAt = []byte(r.ContactID), rights.SourceConsole, rights.IdentityVerified, "ES", time.Now().Add(24*time.Hour)
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
			}
			return nil
		})
		list := func(f store.ContactFilter) []store.ContactListing {
			t.Helper()
			var out []store.ContactListing
			view(t, db, func(tx *store.Tx) error {
				var err error
				out, err = tx.Contacts(f)
				return err
			})
			return out
		}
		idsOf := func(l []store.ContactListing) []string {
			var out []string
			for _, c := range l {
				out = append(out, c.ID)
			}
			return out
		}
		all := list(store.ContactFilter{})
		if got, want := idsOf(all), []string{ids[3], ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
			t.Fatalf("Contacts({}) = %v, want newest first %v", got, want)
		}
		open := map[string]int{}
		for _, c := range all {
			open[c.ID] = c.OpenRequests
		}
		if open[ids[0]] != 2 || open[ids[1]] != 0 || open[ids[2]] != 1 || open[ids[3]] != 0 {
			t.Errorf("open requests = %v, want 2, 0, 1, 0 (a completed request is not open)", open)
		}
		if last := all[3]; last.WaID != "34600000001" || last.ProfileName != "Name A" || last.ConsentState != conversation.ConsentGranted {
			t.Errorf("oldest contact read as %+v, want its number and name opened", last.Contact)
		}
		if got, want := idsOf(list(store.ContactFilter{Consent: conversation.ConsentGranted})), []string{ids[2], ids[0]}; !slices.Equal(got, want) {
			t.Errorf("Contacts(granted) = %v, want %v", got, want)
		}
		page1 := list(store.ContactFilter{Limit: 2})
		page2 := list(store.ContactFilter{Limit: 2, Before: page1[len(page1)-1].ID})
		if got, want := append(idsOf(page1), idsOf(page2)...), idsOf(all); !slices.Equal(got, want) {
			t.Errorf("two pages of 2 = %v, want %v", got, want)
		}
		update(t, db, func(tx *store.Tx) error { return tx.BlockContact(ids[1], time.Now().Add(time.Hour)) })
		if got, want := idsOf(list(store.ContactFilter{})), []string{ids[3], ids[2], ids[0]}; !slices.Equal(got, want) {
			t.Errorf("Contacts after blocking one = %v, want %v (a blocked customer left out)", got, want)
		}
		update(t, db, func(tx *store.Tx) error { return tx.EraseContact(ids[3]) })
		if got, want := idsOf(list(store.ContactFilter{})), []string{ids[2], ids[0]}; !slices.Equal(got, want) {
			t.Errorf("Contacts after erasing one = %v, want %v (an erased customer left out)", got, want)
		}
	})
}
