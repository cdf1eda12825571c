package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/auth/authtest"
	"github.com/trement/trement/internal/store"
)

// replicas opens n stores on one database with one master key, each with
// its own auth service: on PostgreSQL they stand for trement replicas. The
// argon2 cost is real enough (4 MiB) that a check takes milliseconds, the
// window concurrent guesses used to slip through.
func replicas(t *testing.T, url string, n int) ([]*auth.Service, *store.DB, *authtest.Clock) {
	t.Helper()
	clock := authtest.NewClock(time.Date(2026, 11, 24, 9, 0, 5, 0, time.UTC))
	key := newKey(t)
	var svcs []*auth.Service
	var first *store.DB
	for i := range n {
		db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: key, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc, err := auth.NewService(auth.Config{Store: db.AuthStore(), Now: clock.Now, Pseudonym: db.Index().Pseudonym,
			Password: auth.PasswordParams{Time: 1, MemoryKiB: 4 << 10, Threads: 1, SaltLen: 16, KeyLen: 32}, HashMemory: 16 * 4 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = db
		}
		svcs = append(svcs, svc)
	}
	return svcs, first, clock
}

// checked counts failed-sign-in events whose reason says the guess was
// checked (not refused as locked).
func checked(t *testing.T, db *store.DB, reason string) int {
	t.Helper()
	n := 0
	for _, ev := range readEvents(t, db) {
		if ev.Action == audit.ActionLoginFailed && ev.Outcome == audit.Failure && ev.Reason == reason {
			n++
		}
	}
	return n
}

// Issue 9: 12 concurrent wrong passwords were all verified and 16
// concurrent wrong TOTP codes all checked, with a limit of 5. Now each
// guess is counted (row locked) before it is checked.
func TestAuthConcurrentGuessesStopAtTheLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		svcs, db, clock := replicas(t, url, 2)
		ctx := context.Background()
		if _, err := svcs[0].BootstrapOwner(ctx, req, "owner", goodPassword); err != nil {
			t.Fatal(err)
		}
		limit := auth.DefaultThrottlePolicy.AccountFailures
		race := func(n int, try func(i int, svc *auth.Service) error) (locked int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					err := try(i, svcs[i%len(svcs)])
					mu.Lock()
					defer mu.Unlock()
					if errors.Is(err, auth.ErrLocked) {
						locked++
					} else if !errors.Is(err, auth.ErrInvalidCredentials) && !errors.Is(err, auth.ErrInvalidCode) && !errors.Is(err, auth.ErrUnauthenticated) {
						t.Errorf("guess %d = %v", i, err)
					}
				})
			}
			close(start)
			wg.Wait()
			return locked
		}

		locked := race(12, func(i int, svc *auth.Service) error {
			_, err := svc.Login(ctx, req, "owner", fmt.Sprintf("wrong guess number %d", i))
			return err
		})
		if got := checked(t, db, "wrong password"); got != limit || locked != 12-limit+1 {
			t.Errorf("12 concurrent wrong passwords: %d verified, %d refused as locked; want %d verified (the last of them locks), %d locked",
				got, locked, limit, 12-limit+1)
		}

		clock.Advance(15 * time.Minute)
		res, err := svcs[0].Login(ctx, req, "owner", goodPassword)
		if err != nil {
			t.Fatalf("Login after the lockout: %v", err)
		}
		en, err := svcs[0].BeginEnrolment(ctx, req, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		bad := wrongCode(t, en.Secret, clock.Now())
		race(16, func(i int, svc *auth.Service) error {
			_, err := svc.ConfirmEnrolment(ctx, req, res.Token, bad)
			return err
		})
		if got := checked(t, db, "wrong or expired TOTP code at enrolment"); got != limit {
			t.Errorf("16 concurrent wrong codes: %d checked, want %d", got, limit)
		}
	})
}

// wrongCode is a six-digit code that matches none of the steps around at.
func wrongCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	near := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		near[authtest.Oathtool(t, secret, at.Add(d))] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !near[c] {
			return c
		}
	}
}

// The guess that reaches the limit is counted (and locks) before it is
// checked; if it was right, the lock is lifted, for the account and for
// the address.
func TestAuthRightGuessAtTheLimitUnlocks(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		svcs, _, _ := replicas(t, url, 1)
		svc, ctx := svcs[0], context.Background()
		if _, err := svc.BootstrapOwner(ctx, req, "owner", goodPassword); err != nil {
			t.Fatal(err)
		}
		for range auth.DefaultThrottlePolicy.AccountFailures - 1 {
			svc.Login(ctx, req, "owner", "wrong guess")
		}
		if _, err := svc.Login(ctx, req, "owner", goodPassword); err != nil {
			t.Fatalf("right password as the 5th attempt = %v, want accepted", err)
		}
		if _, err := svc.Login(ctx, req, "owner", goodPassword); err != nil {
			t.Errorf("right password after that = %v: the 5th attempt's lock was not lifted", err)
		}
		// 19 more failures from the address (over other usernames; the
		// owner's account has 4), then the owner's right password: the
		// 20th attempt from the address.
		other := auth.RequestInfo{SourceIP: "203.0.113.50"}
		for i := range auth.DefaultThrottlePolicy.AddressFailures - 1 {
			svc.Login(ctx, other, fmt.Sprintf("nobody%d", i), "wrong guess")
		}
		if _, err := svc.Login(ctx, other, "owner", goodPassword); err != nil {
			t.Fatalf("right password as the address's 20th attempt = %v, want accepted", err)
		}
		if _, err := svc.Login(ctx, other, "owner", goodPassword); err != nil {
			t.Errorf("right password again = %v: the address stayed locked after a right 20th attempt", err)
		}
	})
}
