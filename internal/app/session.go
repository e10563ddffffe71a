package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/auth"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Sign-in rules for the web pages.
const (
	// SessionIdle ends a session unused this long: case workers share
	// laptops in offices, so an abandoned session must not last a day.
	SessionIdle = 2 * time.Hour
	// SessionMax ends any session this long after sign-in.
	SessionMax = 12 * time.Hour
	// MaxSignInFailures in a row lock the account for Lockout. Ten
	// guesses per quarter hour make an online attack on a 12-character
	// password hopeless while a user who mistypes is barely slowed.
	MaxSignInFailures = 5
	Lockout           = 15 * time.Minute
	// sessionTouchEvery limits writes: a session's expiry moves at most
	// once a minute, not on every request.
	sessionTouchEvery = time.Minute
)

// Sign-in errors. ErrBadCredentials is the same for an unknown address, a
// wrong password and a disabled account, so that the page tells a guesser
// nothing about which addresses exist.
var (
	ErrBadCredentials = errors.New("the e-mail address or password is wrong")
	ErrLocked         = errors.New("too many failed sign-ins: the account is locked for a while")
	ErrBadCode        = errors.New("the code is wrong or has expired")
)

// dummyHash is verified against when the address is unknown, so that an
// unknown address costs the same time as a wrong password.
var dummyHash, _ = auth.HashPassword("not a real password, only for timing")

// SignIn is a new web session.
type SignIn struct {
	// Token is the cookie value: shown to the browser once, stored as a hash.
	Token string
	// CSRF is the session's form token.
	CSRF string
	// Pending says the second factor is still owed: the session may only
	// present a TOTP code (or, with Enrol, set one up).
	Pending bool
	// Enrol says the organisation requires a second factor this user has
	// not set up yet.
	Enrol bool
}

// WebSession is a signed-in browser's principal and session.
type WebSession struct {
	Principal access.Principal
	User      domain.User
	Org       domain.Organisation
	Session   store.Session
	// Enrolled says the user has a TOTP second factor.
	Enrolled bool
}

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (a *App) newSession(ctx context.Context, tx *store.Tx, userID string, pending bool) (SignIn, error) {
	token, err := newSecret()
	if err != nil {
		return SignIn{}, err
	}
	csrf, err := newSecret()
	if err != nil {
		return SignIn{}, err
	}
	s := store.Session{Hash: auth.HashToken(token), UserID: userID, CSRF: csrf, MFAPending: pending, ExpiresAt: tx.Now().Add(SessionIdle)}
	if err := tx.CreateSession(ctx, &s); err != nil {
		return SignIn{}, err
	}
	return SignIn{Token: token, CSRF: csrf, Pending: pending}, nil
}

// SignInWithPassword checks an e-mail address and password and opens a
// session. Repeated failures lock the account; every attempt is audited.
func (a *App) SignInWithPassword(ctx context.Context, email, password, from string) (SignIn, error) {
	var u domain.User
	var st store.SignInState
	var org domain.Organisation
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if u, err = tx.User(ctx, email); err != nil {
			return err
		}
		if org, err = tx.Org(ctx, u.OrgID); err != nil {
			return err
		}
		st, err = tx.SignInState(ctx, u.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		auth.VerifyPassword(dummyHash, password)
		a.auditSignIn(ctx, "", "", "unknown", email+" "+from)
		return SignIn{}, ErrBadCredentials
	}
	if err != nil {
		return SignIn{}, err
	}
	now := a.store.Now()
	if now.Before(st.LockedUntil) {
		a.auditSignIn(ctx, u.ID, u.OrgID, "locked", from)
		return SignIn{}, ErrLocked
	}
	// The hash is checked outside any transaction: it takes tens of
	// milliseconds on purpose, and must not hold the database meanwhile.
	ok := u.PasswordHash != "" && auth.VerifyPassword(u.PasswordHash, password) && !u.Disabled
	var out SignIn
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		if !ok {
			return a.signInFailed(ctx, tx, u, from)
		}
		if err := tx.SetSignInFailures(ctx, u.ID, 0, time.Time{}); err != nil {
			return err
		}
		enrolled := st.TOTPSealed != nil
		s, err := a.newSession(ctx, tx, u.ID, enrolled || org.RequireTOTP)
		if err != nil {
			return err
		}
		s.Enrol = org.RequireTOTP && !enrolled
		out = s
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: u.ID, ActorOrg: u.OrgID, Action: "auth.signin", Outcome: store.OutcomeOK, Detail: from})
	})
	if err == nil && !ok {
		err = ErrBadCredentials
	}
	return out, err
}

// signInFailed counts a failure and locks the account after too many.
func (a *App) signInFailed(ctx context.Context, tx *store.Tx, u domain.User, from string) error {
	st, err := tx.SignInState(ctx, u.ID)
	if err != nil {
		return err
	}
	failures, until := st.FailedSignIns+1, time.Time{}
	if failures >= MaxSignInFailures {
		failures, until = 0, tx.Now().Add(Lockout)
	}
	if err := tx.SetSignInFailures(ctx, u.ID, failures, until); err != nil {
		return err
	}
	outcome := "failed"
	if !until.IsZero() {
		outcome = "locked"
	}
	return tx.AppendAudit(ctx, store.AuditEntry{Actor: u.ID, ActorOrg: u.OrgID, Action: "auth.signin", Outcome: outcome, Detail: from})
}

func (a *App) auditSignIn(ctx context.Context, user, org, outcome, detail string) {
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: user, ActorOrg: org, Action: "auth.signin", Outcome: outcome, Detail: detail})
	})
	if err != nil {
		a.log.Error("audit sign-in", "err", err)
	}
}

// Session returns the session a cookie stands for, and moves its expiry.
// A session pending its second factor is returned too: the caller lets
// it do nothing else.
func (a *App) Session(ctx context.Context, token string) (WebSession, error) {
	var ws WebSession
	hash := auth.HashToken(token)
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if ws.Session, err = tx.SessionByHash(ctx, hash); err != nil {
			return err
		}
		if tx.Now().Sub(ws.Session.CreatedAt) >= SessionMax {
			return tx.DeleteSession(ctx, hash)
		}
		if ws.User, err = tx.User(ctx, ws.Session.UserID); err != nil {
			return err
		}
		if ws.User.Disabled {
			return tx.DeleteSession(ctx, hash)
		}
		if ws.Org, err = tx.Org(ctx, ws.User.OrgID); err != nil {
			return err
		}
		st, err := tx.SignInState(ctx, ws.User.ID)
		if err != nil {
			return err
		}
		ws.Enrolled = st.TOTPSealed != nil
		ws.Principal = access.User(ws.User, ws.Org, nil)
		if tx.Now().Sub(ws.Session.LastSeenAt) >= sessionTouchEvery {
			return tx.TouchSession(ctx, hash, tx.Now().Add(SessionIdle))
		}
		return nil
	})
	if err == nil && ws.Principal.ID == "" {
		err = ErrUnauthenticated
	}
	if errors.Is(err, store.ErrNotFound) {
		err = ErrUnauthenticated
	}
	return ws, err
}

// totpOpts are RFC 6238's defaults (30 s, 6 digits, SHA-1), which every
// authenticator app reads; one step of clock skew either way is allowed.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func totpAD(userID string) []byte { return []byte("totp " + userID) }

// PresentTOTP completes a pending session with a TOTP code. It returns a
// new session (the pending one ends) so that a cookie planted before the
// second factor never becomes a signed-in one.
func (a *App) PresentTOTP(ctx context.Context, token, code, from string) (SignIn, error) {
	if a.keys == nil {
		return SignIn{}, errors.New("no data keys are loaded: second factors cannot be checked")
	}
	hash := auth.HashToken(token)
	var out SignIn
	bad := false
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		bad = false
		s, err := tx.SessionByHash(ctx, hash)
		if err != nil {
			return ErrUnauthenticated
		}
		if !s.MFAPending {
			return ErrUnauthenticated
		}
		u, err := tx.User(ctx, s.UserID)
		if err != nil {
			return err
		}
		st, err := tx.SignInState(ctx, u.ID)
		if err != nil {
			return err
		}
		if tx.Now().Before(st.LockedUntil) {
			return ErrLocked
		}
		if st.TOTPSealed == nil {
			return ErrBadCode
		}
		secret, err := a.keys.Open(st.TOTPKeyID, st.TOTPSealed, totpAD(u.ID))
		if err != nil {
			return fmt.Errorf("open the TOTP secret of user %s: %w", u.ID, err)
		}
		if ok, _ := totp.ValidateCustom(code, string(secret), tx.Now(), totpOpts); !ok {
			bad = true
			if err := tx.DeleteSession(ctx, hash); err != nil {
				return err
			}
			return a.signInFailed(ctx, tx, u, from)
		}
		if err := tx.DeleteSession(ctx, hash); err != nil {
			return err
		}
		if out, err = a.newSession(ctx, tx, u.ID, false); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: u.ID, ActorOrg: u.OrgID, Action: "auth.totp", Outcome: store.OutcomeOK, Detail: from})
	})
	if err == nil && bad {
		err = ErrBadCode
	}
	return out, err
}

// NewTOTPKey makes a TOTP secret for a user to add to an authenticator app.
// Nothing is stored until EnrolTOTP confirms a code made from it.
func (a *App) NewTOTPKey(email string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "reunite", AccountName: email})
}

// EnrolTOTP stores a user's TOTP secret once a code made from it checks
// out, and returns a new full session replacing token's (which may be
// the pending session of a user whose organisation requires a second
// factor, or a full one).
func (a *App) EnrolTOTP(ctx context.Context, token, secret, code, from string) (SignIn, error) {
	if a.keys == nil {
		return SignIn{}, errors.New("no data keys are loaded: a second factor cannot be stored")
	}
	if ok, _ := totp.ValidateCustom(code, secret, a.store.Now(), totpOpts); !ok {
		return SignIn{}, ErrBadCode
	}
	hash := auth.HashToken(token)
	var out SignIn
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		s, err := tx.SessionByHash(ctx, hash)
		if err != nil {
			return ErrUnauthenticated
		}
		st, err := tx.SignInState(ctx, s.UserID)
		if err != nil {
			return err
		}
		if s.MFAPending && st.TOTPSealed != nil {
			// A pending session of an enrolled user must present the
			// enrolled factor, not replace it.
			return ErrUnauthenticated
		}
		keyID, sealed, err := a.keys.Seal([]byte(secret), totpAD(s.UserID))
		if err != nil {
			return err
		}
		if err := tx.SetTOTP(ctx, s.UserID, keyID, sealed); err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, hash); err != nil {
			return err
		}
		if out, err = a.newSession(ctx, tx, s.UserID, false); err != nil {
			return err
		}
		u, err := tx.User(ctx, s.UserID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: u.ID, ActorOrg: u.OrgID, Action: "auth.totp_enrol", Outcome: store.OutcomeOK, Detail: from})
	})
	return out, err
}

// SignOut ends one session.
func (a *App) SignOut(ctx context.Context, token string) error {
	return a.store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, auth.HashToken(token)) })
}

// SignOutEverywhere ends every session of p's user, on every browser.
func (a *App) SignOutEverywhere(ctx context.Context, p access.Principal) (int, error) {
	var n int
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if n, err = tx.DeleteUserSessions(ctx, p.ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "auth.signout_all", Outcome: store.OutcomeOK, Detail: fmt.Sprint(n)})
	})
	return n, err
}

// RequireTOTP sets whether the users of p's organisation must sign in
// with a second factor. Only the organisation's admins may.
func (a *App) RequireTOTP(ctx context.Context, p access.Principal, require bool) (domain.Organisation, error) {
	if !p.Can(access.ManageUsers) {
		return domain.Organisation{}, ErrForbidden
	}
	var o domain.Organisation
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if o, err = tx.Org(ctx, p.OrgID); err != nil {
			return err
		}
		o.RequireTOTP = require
		if err := tx.UpdateOrg(ctx, &o); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "org.require_totp", Outcome: store.OutcomeOK, Detail: fmt.Sprint(require)})
	})
	return o, err
}

// UnlockUser lifts a lockout and removes a lost second factor of a user
// of p's own organisation (who then signs in with the password and, if
// the organisation requires one, enrols a new factor).
func (a *App) UnlockUser(ctx context.Context, p access.Principal, id string, resetTOTP bool) error {
	if !p.Can(access.ManageUsers) {
		return ErrForbidden
	}
	return a.store.InTx(ctx, func(tx *store.Tx) error {
		u, err := ownUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := tx.SetSignInFailures(ctx, u.ID, 0, time.Time{}); err != nil {
			return err
		}
		if resetTOTP {
			if err := tx.SetTOTP(ctx, u.ID, "", nil); err != nil {
				return err
			}
			if _, err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "user.unlock", Outcome: store.OutcomeOK, Detail: fmt.Sprintf("%s totp_reset=%v", u.ID, resetTOTP)})
	})
}
