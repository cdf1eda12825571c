package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/trement/trement/internal/audit"
)

// deny records a refused operator-management action and returns
// ErrForbidden with why.
func (s *Service) deny(ctx context.Context, r RequestInfo, p *Principal, action, target, why string) error {
	if err := s.record(ctx, event(r, p, action, target, audit.Denied, why)); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", ErrForbidden, why)
}

// privileged roles can only be granted, changed or managed by someone who
// holds roles:manage (an owner).
func privileged(r Role) bool { return r == RoleOwner || r == RoleAdmin }

// escalates says why giving someone the credentials of an account with
// role r would widen what p can reach, or "" if it would not: the role may
// reveal customers' personal data, or holds a permission p lacks. Creating
// such an account, or resetting its password or MFA (which hands its
// sign-in to whoever resets it), needs roles:manage. The one allowance is
// an agent's masked work on assigned conversations: whoever manages
// operators staffs the support team, and an agent sees no personal data.
func escalates(p *Principal, r Role) string {
	if r.Can(PermPIIReveal) {
		return "the " + string(r) + " role may reveal customers' personal data"
	}
	for _, perm := range r.Permissions() {
		if !p.Can(perm) && !RoleAgent.Can(perm) {
			return "the " + string(r) + " role holds " + string(perm) + ", which you do not"
		}
	}
	return ""
}

// Kinds of operator management, for mayManage.
const (
	manageOther  = iota // disable, enable, delete: someone else only
	manageSelfOK        // create: no "self" to guard
	manageGrant         // reset password or MFA of someone else: hands over their sign-in
)

// mayManage says whether p may act on target, or why not.
func mayManage(p *Principal, target *Operator, kind int) string {
	switch {
	case !p.Can(PermOperatorsManage):
		return "needs " + string(PermOperatorsManage)
	case privileged(target.Role) && !p.Can(PermRolesManage):
		return "only an owner may manage owners and admins"
	case kind != manageSelfOK && target.ID == p.OperatorID:
		return "not allowed on your own account; ask another operator"
	}
	if kind != manageOther && !p.Can(PermRolesManage) {
		if why := escalates(p, target.Role); why != "" {
			return why + "; only an owner (" + string(PermRolesManage) + ") may create it or reset its credentials"
		}
	}
	return ""
}

// ManageRefusal says why p may not act on target, or "" if it may: the
// rule the Service applies, for a console that offers only the actions
// that would succeed. Without reset the act is disabling, enabling,
// deleting or ending its sessions; with reset it is resetting its password
// or MFA, which hands over its sign-in.
func ManageRefusal(p *Principal, target *Operator, reset bool) string {
	if reset {
		return mayManage(p, target, manageGrant)
	}
	return mayManage(p, target, manageOther)
}

// GrantableRoles lists the roles p may give an account, most trusted
// first: by creating it, or (for a holder of roles:manage) by changing its
// role. An admin may staff agents; an owner may grant every role.
func GrantableRoles(p *Principal) []Role {
	var out []Role
	for _, r := range Roles() {
		if mayManage(p, &Operator{Role: r}, manageSelfOK) == "" {
			out = append(out, r)
		}
	}
	return out
}

// BootstrapOwner creates the first owner, for `trement admin create-owner`.
// It refuses (ErrOwnerExists) if an enabled owner exists. TOTP enrolment
// happens at first sign-in.
func (s *Service) BootstrapOwner(ctx context.Context, r RequestInfo, username, password string) (*Operator, error) {
	op, err := s.newOperator(ctx, username, password, RoleOwner)
	if err != nil {
		return nil, err
	}
	sys := &Principal{Kind: KindAnonymous}
	err = s.store.Update(ctx, func(tx Tx) error {
		n, err := tx.CountOperators(RoleOwner)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrOwnerExists
		}
		if err := tx.CreateOperator(op); err != nil {
			return err
		}
		e := event(r, sys, audit.ActionOperatorCreate, operatorTarget(op.ID), audit.Success, "first owner created from the command line")
		e.ActorType, e.ActorID = audit.ActorSystem, "cli"
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, fmt.Errorf("auth: create owner: %w", err)
	}
	return op, nil
}

func (s *Service) newOperator(ctx context.Context, username, password string, role Role) (*Operator, error) {
	username = NormalizeUsername(username)
	if err := checkUsername(username); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	if err := CheckPassword(password, username); err != nil {
		return nil, err
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	return &Operator{ID: newID(), Username: username, Role: role, PasswordHash: h, PasswordChangedAt: now}, nil
}

// CreateOperator adds an operator, who must enrol TOTP at first sign-in.
// Creating an owner or admin, or an account that may reveal personal data
// or holds a permission p lacks, needs roles:manage. ErrForbidden, ErrInvalid,
// ErrWeakPassword, ErrDuplicate (username taken).
func (s *Service) CreateOperator(ctx context.Context, r RequestInfo, p *Principal, username, password string, role Role) (*Operator, error) {
	target := "username:" + s.pseudonym("username", NormalizeUsername(username))
	if why := mayManage(p, &Operator{Role: role}, manageSelfOK); why != "" {
		return nil, s.deny(ctx, r, p, audit.ActionOperatorCreate, target, why)
	}
	op, err := s.newOperator(ctx, username, password, role)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateOperator(op); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionOperatorCreate, operatorTarget(op.ID), audit.Success, "role "+string(role)))
	})
	if err != nil {
		return nil, fmt.Errorf("auth: create operator: %w", err)
	}
	return op, nil
}

// Operators lists every operator. ErrForbidden without operators:manage.
func (s *Service) Operators(ctx context.Context, p *Principal) ([]*Operator, error) {
	if !p.Can(PermOperatorsManage) {
		return nil, ErrForbidden
	}
	var out []*Operator
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Operators()
		return err
	})
	return out, err
}

// Operator returns one operator: p's own, or any with operators:manage.
// ErrNotFound.
func (s *Service) Operator(ctx context.Context, p *Principal, id string) (*Operator, error) {
	if id != p.OperatorID && !p.Can(PermOperatorsManage) {
		return nil, ErrForbidden
	}
	var op *Operator
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		op, err = tx.Operator(id)
		return err
	})
	return op, err
}

// change runs a read-modify-write of the operator id for p: load it
// locked, check mayManage, apply fn, write it, and append the event fn
// returns. A refusal is recorded as denied.
func (s *Service) change(ctx context.Context, r RequestInfo, p *Principal, id, action string, kind int, fn func(tx Tx, op *Operator) (reason string, err error)) (*Operator, error) {
	var op *Operator
	var denied string
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if op, err = tx.OperatorForUpdate(id); err != nil {
			return err
		}
		if denied = mayManage(p, op, kind); denied != "" {
			return ErrForbidden
		}
		reason, err := fn(tx, op)
		if err != nil {
			return err
		}
		op.UpdatedAt = s.clock()
		if action != audit.ActionOperatorDelete {
			if err := tx.UpdateOperator(op); err != nil {
				return err
			}
		}
		return tx.AppendAudit(event(r, p, action, operatorTarget(id), audit.Success, reason))
	})
	if denied != "" {
		return nil, s.deny(ctx, r, p, action, operatorTarget(id), denied)
	}
	if errors.Is(err, ErrLastOwner) {
		return nil, s.deny(ctx, r, p, action, operatorTarget(id), "refusing to remove the last owner")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", action, err)
	}
	return op, nil
}

// lastOwner fails if op is the only enabled owner.
func lastOwner(tx Tx, op *Operator) error {
	if op.Role != RoleOwner || op.Disabled {
		return nil
	}
	n, err := tx.CountOperators(RoleOwner)
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastOwner
	}
	return nil
}

// SetRole changes an operator's role; it needs roles:manage and is not
// allowed on oneself or on the last owner. The change applies to the next
// request of the operator and of their tokens.
func (s *Service) SetRole(ctx context.Context, r RequestInfo, p *Principal, id string, role Role) (*Operator, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	if !p.Can(PermRolesManage) {
		return nil, s.deny(ctx, r, p, audit.ActionRoleChange, operatorTarget(id), "needs "+string(PermRolesManage))
	}
	return s.change(ctx, r, p, id, audit.ActionRoleChange, manageOther, func(tx Tx, op *Operator) (string, error) {
		if role != RoleOwner {
			if err := lastOwner(tx, op); err != nil {
				return "", err
			}
		}
		from := op.Role
		op.Role = role
		return fmt.Sprintf("role %s → %s", from, role), nil
	})
}

// SetDisabled disables (ending their sessions; their tokens stop working)
// or re-enables an operator. Not on oneself or the last owner.
func (s *Service) SetDisabled(ctx context.Context, r RequestInfo, p *Principal, id string, disabled bool) (*Operator, error) {
	return s.change(ctx, r, p, id, audit.ActionOperatorUpdate, manageOther, func(tx Tx, op *Operator) (string, error) {
		if !disabled {
			op.Disabled = false
			return "enabled", nil
		}
		if err := lastOwner(tx, op); err != nil {
			return "", err
		}
		op.Disabled = true
		n, err := tx.DeleteOperatorSessions(op.ID)
		return fmt.Sprintf("disabled; %d sessions ended", n), err
	})
}

// EndSessions signs another operator out everywhere: every session of
// theirs ends (their API tokens are left: revoke them). It is for an
// account that may be compromised, or a device left signed in; one's own
// sessions end with LogoutEverywhere. It returns how many ended.
func (s *Service) EndSessions(ctx context.Context, r RequestInfo, p *Principal, id string) (int, error) {
	n := 0
	_, err := s.change(ctx, r, p, id, audit.ActionLogoutEverywhere, manageOther, func(tx Tx, op *Operator) (string, error) {
		var err error
		n, err = tx.DeleteOperatorSessions(op.ID)
		return fmt.Sprintf("%d sessions ended by another operator", n), err
	})
	return n, err
}

// ResetPassword sets another operator's password (they forgot it), ends
// their sessions and revokes their API tokens: whoever resets a password
// could sign in as them, so the account starts over with nothing issued
// before. Resetting an account that may reveal personal data (or holds
// more than p) needs roles:manage.
func (s *Service) ResetPassword(ctx context.Context, r RequestInfo, p *Principal, id, password string) (*Operator, error) {
	var username string
	err := s.store.View(ctx, func(tx Tx) error {
		op, err := tx.Operator(id)
		if err == nil {
			username = op.Username
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: reset password: %w", err)
	}
	if err := CheckPassword(password, username); err != nil {
		return nil, err
	}
	// Hash outside the transaction: argon2id must not hold the writer.
	h, err := s.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, r, p, id, audit.ActionPasswordChange, manageGrant, func(tx Tx, op *Operator) (string, error) {
		op.PasswordHash, op.PasswordChangedAt = h, s.clock()
		ended, err := s.endCredentials(tx, op.ID)
		return "password reset by another operator; " + ended, err
	})
}

// ResetPasswordGenerated is ResetPassword with a password trement makes
// (as for a new account), returned once for the resetting operator to hand
// over: they never have to invent one, and trement keeps no copy.
func (s *Service) ResetPasswordGenerated(ctx context.Context, r RequestInfo, p *Principal, id string) (*Operator, string, error) {
	if id == p.OperatorID {
		return nil, "", fmt.Errorf("%w: change your own password from your account, not by a reset", ErrForbidden)
	}
	op, err := s.Operator(ctx, p, id)
	if err != nil {
		return nil, "", fmt.Errorf("auth: reset password: %w", err)
	}
	pw, err := GeneratePassword(op.Username)
	if err != nil {
		return nil, "", err
	}
	if op, err = s.ResetPassword(ctx, r, p, id, pw); err != nil {
		return nil, "", err
	}
	return op, pw, nil
}

// ResetMFA clears an operator's TOTP secret and recovery codes, ends their
// sessions and revokes their API tokens: they enrol again at next sign-in.
// Like ResetPassword, it needs roles:manage on an account that may reveal
// personal data (or holds more than p).
func (s *Service) ResetMFA(ctx context.Context, r RequestInfo, p *Principal, id string) (*Operator, error) {
	return s.change(ctx, r, p, id, audit.ActionMFAReset, manageGrant, func(tx Tx, op *Operator) (string, error) {
		op.TOTPSecret, op.MFAEnrolled = "", false
		if err := tx.ReplaceRecoveryCodes(op.ID, nil); err != nil {
			return "", err
		}
		ended, err := s.endCredentials(tx, op.ID)
		return "TOTP and recovery codes cleared; " + ended, err
	})
}

// endCredentials ends every session of an operator and revokes every API
// token of theirs, after a takeover-style reset.
func (s *Service) endCredentials(tx Tx, id string) (string, error) {
	n, err := tx.DeleteOperatorSessions(id)
	if err != nil {
		return "", err
	}
	k, err := tx.RevokeOperatorTokens(id, s.clock())
	return fmt.Sprintf("%d sessions ended, %d API tokens revoked", n, k), err
}

// DeleteOperator removes an operator, their sessions, tokens and recovery
// codes, and crypto-shreds their TOTP secret. Not oneself or the last owner.
// Audit events naming them stay.
func (s *Service) DeleteOperator(ctx context.Context, r RequestInfo, p *Principal, id string) error {
	_, err := s.change(ctx, r, p, id, audit.ActionOperatorDelete, manageOther, func(tx Tx, op *Operator) (string, error) {
		if err := lastOwner(tx, op); err != nil {
			return "", err
		}
		return "deleted " + string(op.Role) + " " + op.ID, tx.DeleteOperator(op.ID)
	})
	return err
}

// ChangePassword changes p's own password after checking the current one;
// every session of theirs ends, so they sign in again. ErrInvalidCredentials for a wrong
// current password (counted like a failed sign-in), ErrWeakPassword.
func (s *Service) ChangePassword(ctx context.Context, r RequestInfo, p *Principal, current, next string) error {
	if p.Kind != KindOperator {
		return fmt.Errorf("%w: sign in to change your password", ErrForbidden)
	}
	op, err := s.Operator(ctx, p, p.OperatorID)
	if err != nil {
		return err
	}
	if err := CheckPassword(next, op.Username); err != nil {
		return err
	}
	acct, addr := s.throttleKeys(op.Username, r.SourceIP)
	g, err := s.takeGuess(ctx, r, p, operatorTarget(op.ID), acct, addr)
	if err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, op.PasswordHash, current)
	if err != nil || !ok {
		return s.miss(ctx, g, "wrong current password at password change", ErrInvalidCredentials)
	}
	if err := s.settleNow(ctx, g); err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	h, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.OperatorForUpdate(op.ID)
		if err != nil {
			return err
		}
		now := s.clock()
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = h, now, now
		if err := tx.UpdateOperator(cur); err != nil {
			return err
		}
		// End every session, this one too: whoever knew the old password
		// is out, and the operator signs in again with the new one.
		n, err := tx.DeleteOperatorSessions(op.ID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionPasswordChange, operatorTarget(op.ID), audit.Success, fmt.Sprintf("own password changed; %d sessions ended", n)))
	})
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	return nil
}
