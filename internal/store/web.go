package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in browser. Only the hash of its cookie is stored.
type Session struct {
	Hash       []byte
	UserID     string
	CSRF       string // the token every form of this session carries
	MFAPending bool   // signed in with a password; the second factor is still owed
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession stores a new session.
func (t *Tx) CreateSession(ctx context.Context, s *Session) error {
	s.CreatedAt, s.LastSeenAt = t.now, t.now
	_, err := t.exec(ctx, `INSERT INTO web_sessions (hash, user_id, csrf, mfa_pending, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.Hash, s.UserID, s.CSRF, s.MFAPending, s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	return err
}

// SessionByHash returns the session whose cookie hashes to hash, if it has
// not expired.
func (t *Tx) SessionByHash(ctx context.Context, hash []byte) (Session, error) {
	s := Session{Hash: hash}
	var created, seen, expires nullTime
	err := t.queryRow(ctx, `SELECT user_id, csrf, mfa_pending, created_at, last_seen_at, expires_at FROM web_sessions WHERE hash = $1`, hash).
		Scan(&s.UserID, &s.CSRF, &s.MFAPending, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return s, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = created.Time, seen.Time, expires.Time
	if !t.now.Before(s.ExpiresAt) {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	return s, nil
}

// TouchSession records that the session was used now and moves its expiry.
func (t *Tx) TouchSession(ctx context.Context, hash []byte, expires time.Time) error {
	_, err := t.exec(ctx, `UPDATE web_sessions SET last_seen_at = $1, expires_at = $2 WHERE hash = $3`, t.now, expires, hash)
	return err
}

// DeleteSession ends one session.
func (t *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM web_sessions WHERE hash = $1`, hash)
	return err
}

// DeleteUserSessions ends every session of a user ("sign out everywhere")
// and returns how many there were.
func (t *Tx) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (t *Tx) DeleteExpiredSessions(ctx context.Context) error {
	_, err := t.exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= $1`, t.now)
	return err
}

// SignInState is what sign-in needs beyond the user: failures so far, any
// lockout, and the sealed TOTP secret.
type SignInState struct {
	FailedSignIns int
	LockedUntil   time.Time // zero: not locked
	TOTPKeyID     string
	TOTPSealed    []byte // nil: no second factor enrolled
}

// SignInState returns a user's sign-in state.
func (t *Tx) SignInState(ctx context.Context, userID string) (SignInState, error) {
	var st SignInState
	var locked nullTime
	err := t.queryRow(ctx, `SELECT failed_signins, locked_until, totp_key_id, totp_sealed FROM users WHERE id = $1`, userID).
		Scan(&st.FailedSignIns, &locked, &st.TOTPKeyID, &st.TOTPSealed)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("user %q: %w", userID, ErrNotFound)
	}
	st.LockedUntil = locked.Time
	return st, err
}

// SetSignInFailures stores the count of consecutive failures and the
// lockout (zero time: none).
func (t *Tx) SetSignInFailures(ctx context.Context, userID string, failures int, lockedUntil time.Time) error {
	_, err := t.exec(ctx, `UPDATE users SET failed_signins = $1, locked_until = $2 WHERE id = $3`, failures, timeOrNil(lockedUntil), userID)
	return err
}

// SetTOTP stores a user's sealed TOTP secret (nil removes it).
func (t *Tx) SetTOTP(ctx context.Context, userID, keyID string, sealed []byte) error {
	_, err := t.exec(ctx, `UPDATE users SET totp_key_id = $1, totp_sealed = $2 WHERE id = $3`, keyID, sealed, userID)
	return err
}

// CaseReceipt is the ledger entry of one act on a case.
type CaseReceipt struct {
	CaseID string    `json:"case_id"`
	Index  uint64    `json:"index"`
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
}

// AddCaseReceipt notes that ledger entry idx records an act on a case.
func (t *Tx) AddCaseReceipt(ctx context.Context, r CaseReceipt) error {
	_, err := t.exec(ctx, `INSERT INTO case_receipts (case_id, idx, kind, at) VALUES ($1, $2, $3, $4)`, r.CaseID, int64(r.Index), r.Kind, r.At)
	return err
}

// CaseReceipts lists a case's ledger receipts, oldest first.
func (t *Tx) CaseReceipts(ctx context.Context, caseID string) ([]CaseReceipt, error) {
	rows, err := t.query(ctx, `SELECT idx, kind, at FROM case_receipts WHERE case_id = $1 ORDER BY idx`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseReceipt
	for rows.Next() {
		r := CaseReceipt{CaseID: caseID}
		var idx int64
		var at nullTime
		if err := rows.Scan(&idx, &r.Kind, &at); err != nil {
			return nil, err
		}
		r.Index, r.At = uint64(idx), at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
