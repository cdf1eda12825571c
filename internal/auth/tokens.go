package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trement/trement/internal/audit"
)

// API token lifetimes.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
	MinTokenTTL     = time.Hour
)

func tokenTarget(id string) string { return "token:" + id }

// CreateToken makes an API token for p's operator, scoped to scopes, which
// must be a non-empty subset of p's own permissions, valid for ttl (zero:
// 90 days; 1 hour to 366 days). It returns the token, shown this once, and
// its record. Only a console session can create tokens (a token cannot mint
// tokens). ErrForbidden, ErrInvalid.
func (s *Service) CreateToken(ctx context.Context, r RequestInfo, p *Principal, name string, scopes []Permission, ttl time.Duration) (string, *Token, error) {
	name = strings.TrimSpace(name)
	switch {
	case p.Kind != KindOperator:
		return "", nil, s.deny(ctx, r, p, audit.ActionTokenCreate, "", "API tokens are created from a console session")
	case !p.Can(PermTokensManage):
		return "", nil, s.deny(ctx, r, p, audit.ActionTokenCreate, "", "needs "+string(PermTokensManage))
	case name == "" || utf8.RuneCountInString(name) > 100:
		return "", nil, fmt.Errorf("%w: a token needs a name of 1–100 characters", ErrInvalid)
	case len(scopes) == 0:
		return "", nil, fmt.Errorf("%w: a token needs at least one scope", ErrInvalid)
	case ttl == 0:
		ttl = DefaultTokenTTL
	}
	if ttl < MinTokenTTL || ttl > MaxTokenTTL {
		return "", nil, fmt.Errorf("%w: a token lives between %s and %d days", ErrInvalid, MinTokenTTL, int(MaxTokenTTL.Hours()/24))
	}
	var sc []Permission
	for _, perm := range scopes {
		if !perm.Valid() {
			return "", nil, fmt.Errorf("%w: unknown scope %q", ErrInvalid, perm)
		}
		if !p.Can(perm) {
			return "", nil, s.deny(ctx, r, p, audit.ActionTokenCreate, "", "scope "+string(perm)+" exceeds the creator's permissions")
		}
		if !slices.Contains(sc, perm) {
			sc = append(sc, perm)
		}
	}
	slices.Sort(sc)
	now := s.clock()
	raw := newAPIToken()
	t := &Token{ID: newID(), TokenHash: HashToken(raw), OperatorID: p.OperatorID, Name: name, Scopes: sc,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateAPIToken(t); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionTokenCreate, tokenTarget(t.ID), audit.Success,
			fmt.Sprintf("scopes %s; expires %s", joinPerms(sc), t.ExpiresAt.Format(time.RFC3339))))
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: create token: %w", err)
	}
	return raw, t, nil
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// Tokens lists p's operator's tokens, or everyone's for a holder of
// operators:manage.
func (s *Service) Tokens(ctx context.Context, p *Principal) ([]*Token, error) {
	owner := p.OperatorID
	if p.Can(PermOperatorsManage) {
		owner = ""
	}
	var out []*Token
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.APITokens(owner)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token p's operator created, or another
// operator's token for a holder of operators:manage, under the rules of
// operator management: an owner's or admin's tokens only by an owner
// (roles:manage), so an admin cannot strip the owner's credentials.
// ErrNotFound, ErrForbidden.
func (s *Service) RevokeToken(ctx context.Context, r RequestInfo, p *Principal, id string) error {
	var denied string
	err := s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.APIToken(id)
		if err != nil {
			return err
		}
		if t.OperatorID != p.OperatorID {
			holder, err := tx.Operator(t.OperatorID)
			if err != nil {
				return err
			}
			if denied = mayManage(p, holder, manageOther); denied != "" {
				return ErrForbidden
			}
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		if err := tx.RevokeAPIToken(id, s.clock()); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionTokenRevoke, tokenTarget(id), audit.Success, ""))
	})
	if denied != "" {
		return s.deny(ctx, r, p, audit.ActionTokenRevoke, tokenTarget(id), "not the token's creator: "+denied)
	}
	if err != nil {
		return fmt.Errorf("auth: revoke token: %w", err)
	}
	return nil
}

// AuthenticateToken returns the principal of an API token. ErrTokenInvalid
// if it is unknown, expired or revoked, or its creator is disabled or gone.
func (s *Service) AuthenticateToken(ctx context.Context, raw string) (*Principal, error) {
	if !strings.HasPrefix(raw, TokenPrefix) {
		return nil, ErrTokenInvalid
	}
	var t *Token
	var op *Operator
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if t, err = tx.APITokenByHash(HashToken(raw)); err != nil {
			return notFound(err, ErrTokenInvalid)
		}
		op, err = tx.Operator(t.OperatorID)
		return notFound(err, ErrTokenInvalid)
	})
	if err != nil {
		return nil, err
	}
	now := s.clock()
	switch {
	case !t.RevokedAt.IsZero():
		return nil, fmt.Errorf("%w (revoked)", ErrTokenInvalid)
	case !now.Before(t.ExpiresAt):
		return nil, fmt.Errorf("%w (expired)", ErrTokenInvalid)
	case op.Disabled:
		return nil, fmt.Errorf("%w (creator disabled)", ErrTokenInvalid)
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.TouchAPIToken(t.ID, now) }); err != nil {
			return nil, fmt.Errorf("auth: touch token: %w", err)
		}
	}
	return &Principal{Kind: KindToken, OperatorID: op.ID, Username: op.Username, Role: op.Role, TokenID: t.ID, Scopes: t.Scopes}, nil
}
