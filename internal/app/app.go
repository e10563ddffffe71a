// Package app holds reunite's use cases: one method per user action. Each
// that changes state runs in one transaction that checks access, changes
// state and writes the audit entry, so that a crash leaves all of it or
// none, and no path (API, command line, web) can skip a step. Each that
// only reads (a record, a page of records, the review queue, cases) runs in
// a store.ReadTx: it reads beside other readers, and returns only once its
// audit entries are committed, gathered with other readers' into one write
// transaction.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/auth"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/match"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Errors the transports map to responses. Store errors (store.ErrNotFound,
// store.ErrConflict, store.ErrDeleted, store.ErrDuplicate) and
// *domain.ValidationError pass through unchanged.
var (
	// ErrForbidden: the principal's roles do not allow the action at all.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// Audit actions.
const (
	ActionRead      = "record.read"
	ActionList      = "record.list"
	ActionCreate    = "record.create"
	ActionUpdate    = "record.update"
	ActionDelete    = "record.delete"
	ActionRevisions = "record.revisions"
	ActionImport    = "record.import"
	ActionExport    = "record.export"
	// ActionSearch is a search of records by their fields (the records
	// found are audited as listed, each).
	ActionSearch = "record.search"
	// ActionExportRun is an export as a whole (each record exported is
	// audited as ActionExport).
	ActionExportRun = "export.run"
	// ActionCaseList is a listing of cases.
	ActionCaseList = "case.list"
)

// App runs the use cases against a store.
type App struct {
	store *store.Store
	log   *slog.Logger
	// engine is the live matching engine, once StartMatching has trained
	// one; nil before.
	engine atomic.Pointer[match.Engine]
	// wantLive is set by StartMatching: the caller (serve) wants live
	// matching, so records arriving before there is an engine train one.
	wantLive atomic.Bool
	// firstRun guards the full run that trains the first engine.
	firstRun sync.Mutex
	// keys seal attachments and the ledger's secrets at rest; nil until
	// SetKeyring. Without them no cross-party act can be recorded, so none
	// can be done.
	keys *seal.Keyring
	// ledger caches the ledger's opened secrets (ledger.go).
	ledger ledgerCache
	// public caches the public statistics (public.go).
	public publicCache
	// principals caches who API tokens stand for (principals.go).
	principals principalCache
	// afterAppend, if set (by tests), runs right after each ledger append,
	// inside the act's transaction.
	afterAppend func() error
}

// New returns an App.
func New(s *store.Store, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{store: s, log: log}
}

// Store returns the underlying store.
func (a *App) Store() *store.Store { return a.store }

func (a *App) today() domain.Date { return domain.DateOf(a.store.Now()) }

func actorOf(p access.Principal) store.Actor { return store.Actor{ID: p.ID, OrgID: p.OrgID} }

func auditOf(p access.Principal, action, outcome string, r *domain.Record) store.AuditEntry {
	e := store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: action, Outcome: outcome}
	if r != nil {
		e.RecordID, e.RecordOrg, e.RecordKind = r.ID, r.OrgID, r.Kind
	}
	return e
}

// auditShown is the audit of an act that showed records (a page of a
// list, the review queue, a page of an export): one entry for each owner and
// kind among them, naming all of that owner's records of that kind
// (store.AuditEntry.RecordIDs), rather than an entry per record. Every
// record shown is still named on the chain, and the owner's auditors still
// see the act; one row instead of fifty is what lets reads keep up. An
// entry for one record names it as RecordID, as an act on it alone would.
func auditShown(p access.Principal, action, detail string, recs []*domain.Record) []store.AuditEntry {
	type owner struct {
		org  string
		kind domain.Kind
	}
	var out []store.AuditEntry
	at := map[owner]int{}
	named := make(map[string]bool, len(recs))
	for _, r := range recs {
		if named[r.ID] {
			continue // shown twice (a record in two candidate pairs): named once
		}
		named[r.ID] = true
		k := owner{r.OrgID, r.Kind}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: action, Outcome: store.OutcomeOK,
				RecordOrg: r.OrgID, RecordKind: r.Kind, Detail: detail})
		}
		out[i].RecordIDs = append(out[i].RecordIDs, r.ID)
	}
	for i := range out {
		if len(out[i].RecordIDs) == 1 {
			out[i].RecordID, out[i].RecordIDs = out[i].RecordIDs[0], nil
		}
	}
	return out
}

// pointers points at each of recs, for auditShown.
func pointers(recs []domain.Record) []*domain.Record {
	out := make([]*domain.Record, len(recs))
	for i := range recs {
		out[i] = &recs[i]
	}
	return out
}

// Authenticate returns the principal an API token stands for.
// What it read is cached for at most PrincipalCacheTTL (principals.go).
func (a *App) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	hash := auth.HashToken(token)
	epoch := a.store.PrincipalEpoch()
	if p, ok := a.principals.get(hash, epoch, a.store.Now()); ok {
		return p, nil
	}
	var p access.Principal
	var expires, read time.Time
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		tok, u, org, err := tx.TokenPrincipal(ctx, hash)
		if err != nil {
			return err
		}
		if !tok.RevokedAt.IsZero() || (!tok.ExpiresAt.IsZero() && !tx.Now().Before(tok.ExpiresAt)) || u.Disabled {
			return ErrUnauthenticated
		}
		scopes, ok := access.ParseScopes(tok.Scopes)
		if !ok {
			return ErrUnauthenticated
		}
		p = access.User(u, org, scopes)
		expires, read = tok.ExpiresAt, tx.Now()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrUnauthenticated
	}
	if err == nil {
		a.principals.put(hash, cachedPrincipal{p: p, expires: expires, epoch: epoch, read: read})
	}
	return p, err
}

// CreateToken makes an API token for a user, limited to scopes (all of the
// user's permissions when empty), valid for ttl (forever when 0). The token
// is returned once and stored only as a hash.
func (a *App) CreateToken(ctx context.Context, userIDOrEmail, name string, scopes []string, ttl time.Duration) (string, error) {
	var secret string
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userIDOrEmail)
		if err != nil {
			return err
		}
		org, err := tx.Org(ctx, u.OrgID)
		if err != nil {
			return err
		}
		perms := access.User(u, org, nil).PermissionsOf()
		granted := make([]string, 0, len(perms))
		if len(scopes) == 0 {
			for _, p := range perms {
				granted = append(granted, string(p))
			}
		} else {
			asked, ok := access.ParseScopes(scopes)
			if !ok {
				return fmt.Errorf("unknown scope in %v (scopes: %v)", scopes, access.Permissions)
			}
			for _, s := range asked {
				if !access.User(u, org, nil).Can(s) {
					return fmt.Errorf("user %s cannot be given scope %s: no role of theirs grants it", u.Email, s)
				}
				granted = append(granted, string(s))
			}
		}
		if len(granted) == 0 {
			return fmt.Errorf("user %s has no permission a token could carry", u.Email)
		}
		tok, hash, err := auth.NewToken()
		if err != nil {
			return err
		}
		t := store.Token{UserID: u.ID, Name: name, Hash: hash, Scopes: granted}
		if ttl > 0 {
			t.ExpiresAt = tx.Now().Add(ttl)
		}
		secret = tok
		return tx.CreateToken(ctx, &t)
	})
	return secret, err
}
