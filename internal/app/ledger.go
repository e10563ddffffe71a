package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
)

// The ledger (issue 5): every cross-party act appends an entry to a
// tamper-evident log (internal/ledger) in the act's own transaction, so the
// act and its entry are committed together or not at all.
//
// Entries carry the acting organisation, ids of what was acted on
// ("list:<id>", "case:<id>", …), non-personal particulars (states, counts,
// field names) and salted hashes of the personal data involved (a record's
// person, a message's body, an attachment's bytes, a rejection's reason),
// never the data: anyone with a token may read the ledger.
//
// Its secrets live in the ledger_keys table, sealed with the data keys
// (--data-keys or the key file, internal/seal) and bound to their row:
//   - one entry-signing key per organisation, made on its first act, and
//     one for "operator", the system's own acts (matches proposed);
//   - the log's checkpoint-signing key;
//   - the per-deployment salt of the data hashes. A salt rather than one
//     derived from the data keys, so that rotating the data keys does not
//     change what the hashes commit to; sealed, because with it the hash of
//     a name and birth date could be found by guessing.
//
// Rotating an organisation's key (RotateLedgerKey) retires the old key and
// keeps its public half, served by /api/v1/ledger/keys, so what it signed
// stays verifiable.

// OperatorOrg is the ledger actor of the system's own acts.
const OperatorOrg = "operator"

// LedgerOrigin is the origin line of this deployment's checkpoints.
const LedgerOrigin = ledger.DefaultOrigin

// Ledger kinds beyond those internal/ledger names.
const (
	KindCaseOpened      = "case.opened"
	KindAttachmentAdded = "attachment.added"
)

// maxSubjects is how many ids one entry lists; longer batches (a large
// matching run) take several entries.
const maxSubjects = 1000

// ledgerCache keeps the ledger's secrets opened, after the transaction
// that read or made them committed.
type ledgerCache struct {
	mu      sync.Mutex
	orgs    map[string]ledger.OrgSigner
	log     note.Signer
	logVKey string
	salt    []byte
}

// Receipts collects the receipts of the ledger entries appended for one
// request, once their transactions have committed. The API returns them
// with the response.
type Receipts struct {
	mu   sync.Mutex
	list []ledger.Receipt
}

type receiptsKey struct{}

// WithReceipts returns a context whose acts report their ledger receipts to
// the returned collector.
func WithReceipts(ctx context.Context) (context.Context, *Receipts) {
	r := &Receipts{}
	return context.WithValue(ctx, receiptsKey{}, r), r
}

// List returns the receipts so far, in the order the entries were appended.
func (r *Receipts) List() []ledger.Receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.list)
}

func (r *Receipts) add(rc ledger.Receipt) {
	r.mu.Lock()
	r.list = append(r.list, rc)
	r.mu.Unlock()
}

// keyAD binds a sealed ledger secret to its row.
func keyAD(k store.LedgerKey) []byte {
	return []byte("reunite ledger key\x00" + k.ID + "\x00" + k.Purpose + "\x00" + k.Owner)
}

// secret returns the opened secret of the current key of purpose and
// owner, making one with gen if there is none yet.
func (a *App) secret(ctx context.Context, tx *store.Tx, purpose, owner string, gen func() (id, public string, secret []byte, err error)) (store.LedgerKey, []byte, error) {
	if a.keys == nil {
		return store.LedgerKey{}, nil, ErrNoKeys
	}
	k, err := tx.CurrentLedgerKey(ctx, purpose, owner)
	if errors.Is(err, store.ErrNotFound) {
		// Serialise the first use: two transactions making the same key
		// would collide on the unique index, and in PostgreSQL the loser's
		// whole transaction (its act too) would be aborted.
		if err := tx.LockLedger(ctx); err != nil {
			return k, nil, err
		}
		k, err = tx.CurrentLedgerKey(ctx, purpose, owner)
		if errors.Is(err, store.ErrNotFound) {
			id, public, secret, err := gen()
			if err != nil {
				return k, nil, err
			}
			k = store.LedgerKey{ID: id, Purpose: purpose, Owner: owner, Public: public}
			if k.SealKeyID, k.Sealed, err = a.keys.Seal(secret, keyAD(k)); err != nil {
				return k, nil, err
			}
			return k, secret, tx.InsertLedgerKey(ctx, &k)
		}
	}
	if err != nil {
		return k, nil, err
	}
	secret, err := a.keys.Open(k.SealKeyID, k.Sealed, keyAD(k))
	if err != nil {
		return k, nil, fmt.Errorf("ledger %s key of %s: %w", purpose, owner, err)
	}
	return k, secret, nil
}

// ledgerSalt returns the salt of the data hashes.
func (a *App) ledgerSalt(ctx context.Context, tx *store.Tx) ([]byte, error) {
	a.ledger.mu.Lock()
	salt := a.ledger.salt
	a.ledger.mu.Unlock()
	if salt != nil {
		return salt, nil
	}
	_, salt, err := a.secret(ctx, tx, store.LedgerKeySalt, "deployment", func() (string, string, []byte, error) {
		id := make([]byte, 8)
		rand.Read(id)
		return "salt+" + hex.EncodeToString(id), "", ledger.NewSalt(), nil
	})
	if err != nil {
		return nil, err
	}
	tx.OnCommit(func() { a.ledger.mu.Lock(); a.ledger.salt = salt; a.ledger.mu.Unlock() })
	return salt, nil
}

// hashData is ledger.HashData with the deployment's salt.
func (a *App) hashData(ctx context.Context, tx *store.Tx, parts ...string) (string, error) {
	salt, err := a.ledgerSalt(ctx, tx)
	if err != nil {
		return "", err
	}
	return ledger.HashData(salt, parts...), nil
}

// hashJSON hashes the JSON of each value, as one commitment.
func (a *App) hashJSON(ctx context.Context, tx *store.Tx, vs ...any) (string, error) {
	parts := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		parts[i] = string(b)
	}
	return a.hashData(ctx, tx, parts...)
}

// logSigner returns the log's checkpoint signer and its public key.
func (a *App) logSigner(ctx context.Context, tx *store.Tx) (note.Signer, string, error) {
	a.ledger.mu.Lock()
	s, v := a.ledger.log, a.ledger.logVKey
	a.ledger.mu.Unlock()
	if s != nil {
		return s, v, nil
	}
	k, skey, err := a.secret(ctx, tx, store.LedgerKeyLog, LedgerOrigin, func() (string, string, []byte, error) {
		skey, vkey, err := ledger.NewLogKey(LedgerOrigin)
		if err != nil {
			return "", "", nil, err
		}
		vr, err := note.NewVerifier(vkey)
		if err != nil {
			return "", "", nil, err
		}
		return fmt.Sprintf("%s+%08x", vr.Name(), vr.KeyHash()), vkey, []byte(skey), nil
	})
	if err != nil {
		return nil, "", err
	}
	if s, err = note.NewSigner(string(skey)); err != nil {
		return nil, "", fmt.Errorf("ledger log key: %w", err)
	}
	tx.OnCommit(func() { a.ledger.mu.Lock(); a.ledger.log, a.ledger.logVKey = s, k.Public; a.ledger.mu.Unlock() })
	return s, k.Public, nil
}

// orgSigner returns an organisation's entry signer, making its key on its
// first act. The opened signer is cached, but only used while its key is
// still the organisation's current key in the database: a rotation done by
// another process (reunite ledger rotate-key beside a running server) takes
// effect on the next act, not on the next restart.
func (a *App) orgSigner(ctx context.Context, tx *store.Tx, org string) (ledger.OrgSigner, error) {
	a.ledger.mu.Lock()
	s := a.ledger.orgs[org]
	a.ledger.mu.Unlock()
	if s != nil {
		k, err := tx.CurrentLedgerKey(ctx, store.LedgerKeyOrg, org)
		if err == nil && k.ID == s.KeyID() {
			return s, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	_, skey, err := a.secret(ctx, tx, store.LedgerKeyOrg, org, func() (string, string, []byte, error) {
		skey, vkey, err := ledger.NewOrgKey(org)
		if err != nil {
			return "", "", nil, err
		}
		s, err := ledger.NewOrgSigner(skey)
		if err != nil {
			return "", "", nil, err
		}
		return s.KeyID(), vkey, []byte(skey), nil
	})
	if err != nil {
		return nil, err
	}
	if s, err = ledger.NewOrgSigner(string(skey)); err != nil {
		return nil, err
	}
	tx.OnCommit(func() {
		a.ledger.mu.Lock()
		if a.ledger.orgs == nil {
			a.ledger.orgs = map[string]ledger.OrgSigner{}
		}
		a.ledger.orgs[org] = s
		a.ledger.mu.Unlock()
	})
	return s, nil
}

// openLog opens the ledger in tx.
func (a *App) openLog(ctx context.Context, tx *store.Tx) (*ledger.Log, error) {
	s, _, err := a.logSigner(ctx, tx)
	if err != nil {
		return nil, err
	}
	return ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: s})
}

// record appends e, an act of org, to the ledger in the act's transaction.
// The receipt reaches the request's collector (WithReceipts) only once the
// transaction has committed.
func (a *App) record(ctx context.Context, tx *store.Tx, org string, e ledger.Entry) error {
	return a.recordBatch(ctx, tx, org, []ledger.Entry{e})
}

// recordBatch appends es, acts of org, to the ledger in the act's
// transaction, in order, all at once (ledger.Log.AppendBatch): one write
// per table rather than several statements per entry.
func (a *App) recordBatch(ctx context.Context, tx *store.Tx, org string, es []ledger.Entry) error {
	if a.keys == nil {
		return ErrNoKeys
	}
	if len(es) == 0 {
		return nil
	}
	// The lock first: keys, size and border are then read as of the last
	// committed append.
	if err := tx.LockLedger(ctx); err != nil {
		return err
	}
	signer, err := a.orgSigner(ctx, tx, org)
	if err != nil {
		return err
	}
	l, err := a.openLog(ctx, tx)
	if err != nil {
		return err
	}
	for i := range es {
		es[i].ActorOrg = org
	}
	rs, err := l.AppendBatch(ctx, es, signer)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if a.afterAppend != nil { // tests: fail the act after its entry
		if err := a.afterAppend(); err != nil {
			return err
		}
	}
	for i, e := range es {
		r := rs[i]
		// An act on a case names the case first; its receipt is kept with
		// the case, for the case's page.
		if len(e.Subjects) > 0 && strings.HasPrefix(e.Subjects[0], "case:") {
			cr := store.CaseReceipt{CaseID: strings.TrimPrefix(e.Subjects[0], "case:"), Index: r.Index, Kind: e.Kind, At: tx.Now()}
			if err := tx.AddCaseReceipt(ctx, cr); err != nil {
				return err
			}
		}
	}
	if rc, ok := ctx.Value(receiptsKey{}).(*Receipts); ok {
		tx.OnCommit(func() {
			for _, r := range rs {
				rc.add(r)
			}
		})
	}
	return nil
}

// CaseReceipts lists the ledger receipts of the acts on a case p's
// organisation is a party to.
func (a *App) CaseReceipts(ctx context.Context, p access.Principal, caseID string) ([]store.CaseReceipt, error) {
	if !canReadCases(p) {
		return nil, ErrForbidden
	}
	var out []store.CaseReceipt
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := partyCase(ctx, tx, p, caseID); err != nil {
			return err
		}
		var err error
		out, err = tx.CaseReceipts(ctx, caseID)
		return err
	})
	return out, err
}

// recordProposals records a batch of proposed candidates, maxSubjects ids
// an entry, all appended at once.
func (a *App) recordProposals(ctx context.Context, tx *store.Tx, ids []string, detail map[string]string) error {
	var es []ledger.Entry
	for chunk := range slices.Chunk(ids, maxSubjects) {
		subjects := make([]string, len(chunk))
		for i, id := range chunk {
			subjects[i] = "candidate:" + id
		}
		d := map[string]string{"count": strconv.Itoa(len(chunk))}
		for k, v := range detail {
			d[k] = v
		}
		es = append(es, ledger.Entry{Kind: ledger.KindMatchProposed, Subjects: subjects, Detail: d})
	}
	return a.recordBatch(ctx, tx, OperatorOrg, es)
}

// canReadLedger: any authenticated user. The ledger holds no personal data
// by design, and every party must be able to check it.
func canReadLedger(p access.Principal) bool { return p.ID != "" }

// LedgerCheckpoint returns the latest checkpoint, signed by the log, with
// the witness cosignatures received for it.
func (a *App) LedgerCheckpoint(ctx context.Context, p access.Principal) ([]byte, error) {
	if !canReadLedger(p) {
		return nil, ErrUnauthenticated
	}
	var out []byte
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		signer, _, err := a.logSigner(ctx, tx)
		if err != nil {
			return err
		}
		l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: signer})
		if err != nil {
			return err
		}
		// Size, then the root at that size: appends committed in between
		// do not change it (nodes are never rewritten).
		size, err := l.Size(ctx)
		if err != nil {
			return err
		}
		root, err := l.Root(ctx, size)
		if err != nil {
			return err
		}
		cp := ledger.Checkpoint{Origin: l.Origin(), Size: size, Root: root}
		// Ed25519 is deterministic: the same checkpoint is always the same
		// bytes, so cosignatures of it can be appended to it.
		signed, err := note.Sign(&note.Note{Text: cp.Text()}, signer)
		if err != nil {
			return err
		}
		lines, err := tx.Cosignatures(ctx, cp.Size, cp.Root)
		if err != nil {
			return err
		}
		out = signed
		for _, line := range lines {
			out = append(out, line...)
		}
		return nil
	})
	return out, err
}

// LedgerEntries returns the stored leaves [from, to), at most 1000, as they
// are stored.
func (a *App) LedgerEntries(ctx context.Context, p access.Principal, from, to uint64) ([]store.LedgerLeaf, error) {
	if !canReadLedger(p) {
		return nil, ErrUnauthenticated
	}
	if to < from || to-from > 1000 {
		return nil, invalid("to", "from ≤ to ≤ from + 1000")
	}
	var out []store.LedgerLeaf
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { out, err = tx.LedgerLeaves(ctx, from, to); return err })
	return out, err
}

// LedgerInclusionProof proves entry index is in the tree of size entries.
func (a *App) LedgerInclusionProof(ctx context.Context, p access.Principal, index, size uint64) ([][]byte, error) {
	return a.ledgerProof(ctx, p, func(l *ledger.Log) ([][]byte, error) { return l.InclusionProof(ctx, index, size) })
}

// LedgerConsistencyProof proves the tree of from entries is a prefix of the
// tree of to entries.
func (a *App) LedgerConsistencyProof(ctx context.Context, p access.Principal, from, to uint64) ([][]byte, error) {
	return a.ledgerProof(ctx, p, func(l *ledger.Log) ([][]byte, error) { return l.ConsistencyProof(ctx, from, to) })
}

func (a *App) ledgerProof(ctx context.Context, p access.Principal, fn func(*ledger.Log) ([][]byte, error)) ([][]byte, error) {
	if !canReadLedger(p) {
		return nil, ErrUnauthenticated
	}
	var out [][]byte
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		l, err := a.openLog(ctx, tx)
		if err != nil {
			return err
		}
		out, err = fn(l)
		if err != nil {
			return invalid("size", err.Error())
		}
		return nil
	})
	return out, err
}

// LedgerOrgKey is an organisation's entry-signing public key.
type LedgerOrgKey struct {
	Org       string `json:"org"`            // the organisation's id, or "operator"
	Slug      string `json:"slug,omitempty"` // for people reading the ledger
	KeyID     string `json:"key_id"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
	RetiredAt string `json:"retired_at,omitempty"`
}

// LedgerKeys are the public keys a verifier pins.
type LedgerKeys struct {
	Origin string         `json:"origin"`
	LogKey string         `json:"log_key"`
	Orgs   []LedgerOrgKey `json:"org_keys"`
}

// LedgerKeysOf returns the log's public key and every organisation key,
// current and retired.
func (a *App) LedgerKeysOf(ctx context.Context, p access.Principal) (LedgerKeys, error) {
	if !canReadLedger(p) {
		return LedgerKeys{}, ErrUnauthenticated
	}
	out := LedgerKeys{Origin: LedgerOrigin}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if _, out.LogKey, err = a.logSigner(ctx, tx); err != nil {
			return err
		}
		ks, err := tx.LedgerKeys(ctx, store.LedgerKeyOrg)
		if err != nil {
			return err
		}
		out.Orgs = out.Orgs[:0]
		for _, k := range ks {
			ok := LedgerOrgKey{Org: k.Owner, KeyID: k.ID, Key: k.Public, CreatedAt: k.CreatedAt.Format("2006-01-02T15:04:05Z")}
			if !k.RetiredAt.IsZero() {
				ok.RetiredAt = k.RetiredAt.Format("2006-01-02T15:04:05Z")
			}
			if o, err := tx.Org(ctx, k.Owner); err == nil {
				ok.Slug = o.Slug
			}
			out.Orgs = append(out.Orgs, ok)
		}
		return nil
	})
	return out, err
}

// RotateLedgerKey retires an organisation's entry-signing key; its next act
// makes a new one. The old public key stays published. Mediator admins (or
// the operator) rotate.
func (a *App) RotateLedgerKey(ctx context.Context, p access.Principal, org string) error {
	if !p.Can(access.ManageOrgs) {
		return ErrForbidden
	}
	return a.store.InTx(ctx, func(tx *store.Tx) error {
		owner := org
		if org != OperatorOrg {
			o, err := tx.Org(ctx, org)
			if err != nil {
				return err
			}
			owner = o.ID
		}
		if err := tx.LockLedger(ctx); err != nil {
			return err
		}
		k, err := tx.CurrentLedgerKey(ctx, store.LedgerKeyOrg, owner)
		if err != nil {
			return err
		}
		if err := tx.RetireLedgerKey(ctx, k.ID); err != nil {
			return err
		}
		tx.OnCommit(func() { a.ledger.mu.Lock(); delete(a.ledger.orgs, owner); a.ledger.mu.Unlock() })
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "ledger.key.rotate", Outcome: store.OutcomeOK,
			Detail: "retired " + k.ID})
	})
}

// AddCosignature keeps a witness's cosignature of one of the log's
// checkpoints. The witness's public key comes with it; the cosignature
// must verify with it and the checkpoint must be one this log signed, of a
// size it has, with the root it has. A verifier counts it only if it pins
// that witness key.
func (a *App) AddCosignature(ctx context.Context, p access.Principal, witnessKey string, cosigned []byte) error {
	if !canReadLedger(p) {
		return ErrUnauthenticated
	}
	w, err := ledger.NewCosignatureVerifier(witnessKey)
	if err != nil {
		return invalid("witness_key", err.Error())
	}
	return a.store.InTx(ctx, func(tx *store.Tx) error {
		_, vkey, err := a.logSigner(ctx, tx)
		if err != nil {
			return err
		}
		logKey, err := note.NewVerifier(vkey)
		if err != nil {
			return err
		}
		n, err := note.Open(cosigned, note.VerifierList(logKey, w))
		if err != nil {
			return invalid("checkpoint", err.Error())
		}
		cp, err := ledger.ParseCheckpoint(n.Text)
		if err != nil || cp.Origin != logKey.Name() {
			return invalid("checkpoint", "not a checkpoint of this log")
		}
		l, err := a.openLog(ctx, tx)
		if err != nil {
			return err
		}
		root, err := l.Root(ctx, cp.Size)
		if err != nil || root != cp.Root {
			return invalid("checkpoint", "this log has no such checkpoint (size or root differ)")
		}
		for _, s := range n.Sigs {
			if s.Name == w.Name() && s.Hash == w.KeyHash() {
				id := fmt.Sprintf("%s+%08x", s.Name, s.Hash)
				return tx.AddCosignature(ctx, id, cp.Size, cp.Root, "— "+s.Name+" "+s.Base64+"\n")
			}
		}
		return invalid("checkpoint", "no cosignature by "+w.Name())
	})
}

// invalid is a one-field validation error.
func invalid(field, detail string) error {
	return &domain.ValidationError{Fields: []domain.FieldError{{Field: field, Detail: detail}}}
}

// subjects prefixes ids with what they are, for people reading the ledger.
func subjects(kind string, ids ...string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, kind+":"+id)
		}
	}
	return out
}

// joinFields spells a list of field names for an entry's detail.
func joinFields[T ~string](fs []T) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ",")
}
