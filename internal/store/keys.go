package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
)

// Encryption at rest. Every record has a data key (DEK) of its own, a Tink
// AES-256-GCM keyset stored in records.dek wrapped by the master key (KEK)
// records.kek_id. The record's sensitive fields (record_sensitive.sealed),
// its notes (records.notes_sealed) and the sensitive part of every
// superseded version (record_history.sealed) are encrypted with it, each
// bound by associated data to the record's id (and the version), so that a
// value copied to another row does not open. Attachments, TOTP secrets,
// ledger keys and meeting minutes are sealed one value at a time by
// seal.SealValue, with a data key of their own inside the sealed value.
//
// Rotating a master key re-wraps the data keys (RotateKeys), in batches of
// their own transactions, while the database serves.

// Errors of encryption at rest.
var (
	// ErrNoMasterKey: no master key was given, or not the one the data
	// needs.
	ErrNoMasterKey = errors.New("master key missing")
	// ErrWrongMasterKey: a master key does not open the canary it wrapped
	// when first used here.
	ErrWrongMasterKey = errors.New("wrong master key")
	// ErrSealed: an encrypted value does not open (changed, or moved from
	// another row).
	ErrSealed = errors.New("encrypted data does not open: changed, or moved from another row")
)

// Associated data: what each ciphertext is bound to.
func dekAD(id string) []byte       { return []byte("reunite record data key\x00" + id) }
func notesAD(id string) []byte     { return []byte("reunite record notes\x00" + id) }
func sensitiveAD(id string) []byte { return []byte("reunite record sensitive\x00" + id) }
func historyAD(id string, version int) []byte {
	return []byte("reunite record version\x00" + id + "\x00" + strconv.Itoa(version))
}

// sealedValues are the columns holding values sealed one at a time
// (seal.SealValue): table, primary key, key id column, sealed column.
var sealedValues = []struct{ table, id, keyCol, col string }{
	{"case_attachments", "id", "key_id", "sealed"},
	{"meeting_attachments", "id", "key_id", "sealed"},
	{"ledger_keys", "id", "seal_key_id", "sealed"},
	{"users", "id", "totp_key_id", "totp_sealed"},
	{"meetings", "id", "minutes_key_id", "minutes_sealed"},
}

type masterKey struct {
	id       string
	canary   []byte
	wrapsNew bool
}

func (t *Tx) masterKeys(ctx context.Context) ([]masterKey, error) {
	rows, err := t.query(ctx, `SELECT id, canary, wraps_new FROM master_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []masterKey
	for rows.Next() {
		var k masterKey
		if err := rows.Scan(&k.id, &k.canary, &k.wrapsNew); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// valueKeys returns the master key ids values sealed one at a time need
// (those of envelopes and of values sealed directly, before envelopes).
func (t *Tx) valueKeys(ctx context.Context) (map[string]bool, error) {
	need := map[string]bool{}
	for _, v := range sealedValues {
		rows, err := t.query(ctx, `SELECT DISTINCT `+v.keyCol+` FROM `+v.table+` WHERE `+v.keyCol+` <> ''`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			need[strings.TrimPrefix(id, seal.Envelope)] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return need, nil
}

// checkKeys runs at Open: it fails, naming the key, if the database holds
// data under a master key that is not loaded, or if a loaded master key does
// not open the canary it wrapped when first used here (a wrong key under
// the right name, as a misconfigured KMS could give). On first use it
// registers the current master key, with its canary, as the one that wraps
// new data keys.
func (s *Store) checkKeys(ctx context.Context) error {
	err := s.InTx(ctx, func(t *Tx) error { return t.checkKeys(ctx, s.keys) })
	if isUniqueViolation(err) { // another process registered its key first
		err = s.InTx(ctx, func(t *Tx) error { return t.checkKeys(ctx, s.keys) })
	}
	return err
}

func (t *Tx) checkKeys(ctx context.Context, keys seal.KeyWrapper) error {
	registered, err := t.masterKeys(ctx)
	if err != nil {
		return fmt.Errorf("master keys: %w", err)
	}
	need, err := t.valueKeys(ctx)
	if err != nil {
		return fmt.Errorf("master keys: %w", err)
	}
	var wrapsNew string
	for _, k := range registered {
		if k.wrapsNew {
			wrapsNew = k.id
			need[k.id] = true
			continue
		}
		var one int
		err := t.queryRow(ctx, `SELECT 1 FROM records WHERE kek_id = $1 LIMIT 1`, k.id).Scan(&one)
		if err == nil {
			need[k.id] = true
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	needed := sortedKeys(need)
	if keys == nil {
		if len(needed) > 0 {
			return fmt.Errorf("%w: the database holds data encrypted under master key %s, and no master key was given (--key-file or --data-keys, REUNITE_KEY_FILE or REUNITE_DATA_KEYS)",
				ErrNoMasterKey, strings.Join(needed, ", "))
		}
		return nil
	}
	var missing []string
	for _, id := range needed {
		if !keys.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the database holds data encrypted under master key %s, which is not among the keys given (%s): the key file or --data-keys is wrong or incomplete",
			ErrNoMasterKey, strings.Join(missing, ", "), loadedKeys(keys))
	}
	for _, k := range registered {
		if !keys.Has(k.id) {
			continue
		}
		if err := seal.CheckCanary(ctx, keys, k.id, k.canary); err != nil {
			return fmt.Errorf("%w: master key %s does not open the canary it encrypted in this database: it is not the key it is named after (%v)",
				ErrWrongMasterKey, k.id, err)
		}
	}
	if wrapsNew == "" {
		return t.registerMasterKey(ctx, keys, keys.Current(), true)
	}
	return nil
}

func loadedKeys(keys seal.KeyWrapper) string {
	if k, ok := keys.(interface{ IDs() []string }); ok {
		return "loaded: " + strings.Join(k.IDs(), ", ")
	}
	return "current: " + keys.Current()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// registerMasterKey records master key id with a canary; wrapsNew makes it
// the one that wraps new data keys.
func (t *Tx) registerMasterKey(ctx context.Context, keys seal.KeyWrapper, id string, wrapsNew bool) error {
	canary, err := seal.Canary(ctx, keys, id)
	if err != nil {
		return fmt.Errorf("master key %s: %w", id, err)
	}
	if wrapsNew {
		if _, err := t.exec(ctx, `UPDATE master_keys SET wraps_new = $1 WHERE wraps_new AND id <> $2`, false, id); err != nil {
			return err
		}
	}
	_, err = t.exec(ctx, `INSERT INTO master_keys (id, canary, wraps_new, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET wraps_new = excluded.wraps_new OR master_keys.wraps_new`, id, canary, wrapsNew, t.now)
	return err
}

// wrapKEK returns the master key new data keys are wrapped by (chooseKEK).
func (t *Tx) wrapKEK(ctx context.Context) (string, error) {
	c, err := t.chooseKEK(ctx)
	return c.kek, err
}

// kekChoice is a choice of the master key new data keys are wrapped by:
// the key the database named for it when asked ("" for none), and the
// key chosen.
type kekChoice struct{ named, kek string }

// kekNamedQuery reads the key the database names to wrap new data keys,
// "" for none, in one value (see insertInOne).
const kekNamedQuery = `SELECT COALESCE((SELECT id FROM master_keys WHERE wraps_new), '')`

// chooseKEK chooses the master key new data keys are wrapped by: the one
// the database names, if this process has it (another process may have
// rotated to a key this one was not given), else this process's current
// key, registered so that a later start requires it. The choice depends
// only on the key named, so the store keeps it (Store.kek) while the
// database names the same.
func (t *Tx) chooseKEK(ctx context.Context) (kekChoice, error) {
	if t.keys == nil {
		return kekChoice{}, fmt.Errorf("%w: records cannot be stored without a master key to encrypt their sensitive fields", ErrNoMasterKey)
	}
	var c kekChoice
	if err := t.queryRow(ctx, kekNamedQuery).Scan(&c.named); err != nil {
		return c, err
	}
	if c.named != "" && t.keys.Has(c.named) {
		c.kek = c.named
		return c, nil
	}
	c.kek = t.keys.Current()
	var one int
	if err := t.queryRow(ctx, `SELECT 1 FROM master_keys WHERE id = $1`, c.kek).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		if err := t.registerMasterKey(ctx, t.keys, c.kek, false); err != nil {
			return c, err
		}
	} else if err != nil {
		return c, err
	}
	return c, nil
}

// openDEK unwraps a record's data key.
func (t *Tx) openDEK(ctx context.Context, id, kek string, wrapped []byte) (*seal.DEK, error) {
	if t.keys == nil {
		return nil, fmt.Errorf("record %s: %w", id, ErrNoMasterKey)
	}
	key := dekCacheKey(id, kek, wrapped)
	if dek := t.deks.get(key); dek != nil {
		return dek, nil
	}
	dek, err := seal.OpenDEK(ctx, t.keys, kek, wrapped, dekAD(id))
	if errors.Is(err, seal.ErrNoKey) {
		return nil, fmt.Errorf("record %s: its data key is wrapped by master key %s, which is not loaded: %w", id, kek, ErrNoMasterKey)
	}
	if err != nil {
		return nil, fmt.Errorf("record %s: data key: %w (%v)", id, ErrSealed, err)
	}
	t.deks.put(key, dek)
	return dek, nil
}

// recordDEK returns a record's data key, giving it one if it has none (a
// record stored before encryption at rest). Once set, a record's data key
// never changes (rotation re-wraps the same key), so writers racing here
// agree on it.
func (t *Tx) recordDEK(ctx context.Context, id string) (*seal.DEK, error) {
	if h := t.heldRow(id); h != nil && h.row.keys.kek.Valid {
		return h.row.keys.key(ctx, t, id)
	}
	var kek sql.NullString
	var wrapped []byte
	if err := t.queryRow(ctx, `SELECT kek_id, dek FROM records WHERE id = $1`, id).Scan(&kek, &wrapped); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
		}
		return nil, err
	}
	if kek.Valid {
		return t.openDEK(ctx, id, kek.String, wrapped)
	}
	newKEK, err := t.wrapKEK(ctx)
	if err != nil {
		return nil, err
	}
	dek, w, err := seal.NewDEK(ctx, t.keys, newKEK, dekAD(id))
	if err != nil {
		return nil, err
	}
	res, err := t.exec(ctx, `UPDATE records SET kek_id = $1, dek = $2 WHERE id = $3 AND dek IS NULL`, newKEK, w, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 { // another writer gave it one first
		return t.recordDEK(ctx, id)
	}
	return dek, nil
}

// historySecrets is what of a superseded version is encrypted.
type historySecrets struct {
	Sensitive domain.Sensitive `json:"sensitive,omitzero"`
	Notes     string           `json:"notes,omitempty"`
}

// sealRecord encrypts what of a record stored before encryption at rest is
// still in plaintext: its notes, its sensitive fields and every superseded
// version's. Each step changes only rows still in plaintext, so it is safe
// beside writers doing the same, and resumable.
func (t *Tx) sealRecord(ctx context.Context, id string) error {
	if h := t.heldRow(id); h != nil && h.row.keys.sealed {
		return nil
	}
	var version int
	var person string
	var sealed bool
	if err := t.queryRow(ctx, `SELECT version, person, sealed FROM records WHERE id = $1`, id).Scan(&version, &person, &sealed); err != nil {
		return fmt.Errorf("record %s: %w", id, err)
	}
	if sealed {
		return nil
	}
	dek, err := t.recordDEK(ctx, id)
	if err != nil {
		return err
	}
	// Superseded versions.
	type hist struct {
		version  int
		snapshot string
	}
	var hs []hist
	rows, err := t.query(ctx, `SELECT version, snapshot FROM record_history WHERE record_id = $1 AND sealed IS NULL`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h hist
		if err := rows.Scan(&h.version, &h.snapshot); err != nil {
			rows.Close()
			return err
		}
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range hs {
		var r domain.Record
		if err := json.Unmarshal([]byte(h.snapshot), &r); err != nil {
			return fmt.Errorf("record %s version %d: stored version: %w", id, h.version, err)
		}
		snap, secret, err := splitSnapshot(dek, &r)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE record_history SET snapshot = $1, sealed = $2 WHERE record_id = $3 AND version = $4 AND sealed IS NULL`,
			snap, secret, id, h.version); err != nil {
			return err
		}
	}
	// Sensitive fields.
	var data string
	err = t.queryRow(ctx, `SELECT data FROM record_sensitive WHERE record_id = $1 AND sealed IS NULL`, id).Scan(&data)
	switch {
	case err == nil:
		ct, err := dek.Encrypt([]byte(data), sensitiveAD(id))
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE record_sensitive SET data = $1, sealed = $2 WHERE record_id = $3 AND sealed IS NULL`, "{}", ct, id); err != nil {
			return err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	// Notes, and the record is sealed. The version condition keeps a
	// concurrent change (which seals its own notes) from being undone.
	var p domain.Person
	if err := json.Unmarshal([]byte(person), &p); err != nil {
		return fmt.Errorf("record %s: stored person: %w", id, err)
	}
	personJSON, notes, err := sealNotes(dek, id, p)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE records SET person = $1, notes_sealed = $2, sealed = $3 WHERE id = $4 AND version = $5 AND NOT sealed`,
		personJSON, notes, true, id, version)
	return err
}

// sealNotes returns the person document without its notes, and the notes
// encrypted (nil if none).
func sealNotes(dek *seal.DEK, id string, p domain.Person) (string, []byte, error) {
	notes := p.Notes
	p.Notes = ""
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	if notes == "" {
		return string(b), nil, nil
	}
	ct, err := dek.Encrypt([]byte(notes), notesAD(id))
	return string(b), ct, err
}

// splitSnapshot returns a superseded version without its sensitive fields
// and notes, and those encrypted.
func splitSnapshot(dek *seal.DEK, r *domain.Record) (string, []byte, error) {
	secret, err := json.Marshal(historySecrets{Sensitive: r.Sensitive, Notes: r.Person.Notes})
	if err != nil {
		return "", nil, err
	}
	ct, err := dek.Encrypt(secret, historyAD(r.ID, r.Version))
	if err != nil {
		return "", nil, err
	}
	redacted := *r
	redacted.Sensitive, redacted.Person.Notes = domain.Sensitive{}, ""
	snap, err := json.Marshal(redacted)
	return string(snap), ct, err
}

// PlaintextRecords counts records with something still in plaintext
// (stored before encryption at rest, not yet sealed).
func (s *Store) PlaintextRecords(ctx context.Context) (int, error) {
	var n int
	err := s.InTx(ctx, func(t *Tx) error {
		return t.queryRow(ctx, `SELECT count(*) FROM records WHERE NOT sealed`).Scan(&n)
	})
	return n, err
}

// EncryptExisting seals the records stored before encryption at rest, batch
// records per transaction, so that the database keeps serving; progress,
// if set, is called after each batch with the number sealed so far, and
// stops the job if it returns an error. Interrupted, it resumes where it
// stopped. It returns how many records it sealed.
func (s *Store) EncryptExisting(ctx context.Context, batch int, progress func(done int) error) (int, error) {
	if s.keys == nil {
		return 0, fmt.Errorf("%w: encrypting needs a master key", ErrNoMasterKey)
	}
	batch = max(1, min(batch, MaxBatch))
	done, after := 0, ""
	for {
		var ids []string
		err := s.InTx(ctx, func(t *Tx) error {
			q, args := `SELECT id FROM records WHERE NOT sealed ORDER BY id LIMIT `+strconv.Itoa(batch), []any{}
			if after != "" {
				q, args = `SELECT id FROM records WHERE NOT sealed AND id > $1 ORDER BY id LIMIT `+strconv.Itoa(batch), []any{after}
			}
			rows, err := t.query(ctx, q, args...)
			if err != nil {
				return err
			}
			if ids, err = scanAll(rows, func(r interface{ Scan(...any) error }) (id string, err error) {
				return id, r.Scan(&id)
			}); err != nil {
				return err
			}
			for _, id := range ids {
				if err := t.sealRecord(ctx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("encrypt existing records: %w", err)
		}
		if len(ids) == 0 {
			return done, nil
		}
		done += len(ids)
		after = ids[len(ids)-1]
		if progress != nil {
			if err := progress(done); err != nil {
				return done, err
			}
		}
	}
}

// KeyUse is what one master key wraps.
type KeyUse struct {
	ID string `json:"id"`
	// Records counts records' data keys; Values, values sealed one at a
	// time in an envelope; Direct, values sealed with the master key
	// itself before envelopes (they cannot be re-wrapped: they keep the
	// key needed until rewritten).
	Records  int  `json:"records"`
	Values   int  `json:"values"`
	Direct   int  `json:"direct"`
	WrapsNew bool `json:"wraps_new"`
	Loaded   bool `json:"loaded"`
	Canary   bool `json:"registered"`
}

// KeyStatus tells what each master key wraps, and how many records are
// still in plaintext.
func (s *Store) KeyStatus(ctx context.Context) (uses []KeyUse, plaintext int, err error) {
	byID := map[string]*KeyUse{}
	use := func(id string) *KeyUse {
		if byID[id] == nil {
			byID[id] = &KeyUse{ID: id, Loaded: s.keys != nil && s.keys.Has(id)}
		}
		return byID[id]
	}
	err = s.InTx(ctx, func(t *Tx) error {
		clear(byID)
		keys, err := t.masterKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			u := use(k.id)
			u.WrapsNew, u.Canary = k.wrapsNew, true
		}
		count := func(q string, add func(u *KeyUse, id string, n int)) error {
			rows, err := t.query(ctx, q)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				add(use(strings.TrimPrefix(id, seal.Envelope)), id, n)
			}
			return rows.Err()
		}
		if err := count(`SELECT kek_id, count(*) FROM records WHERE kek_id IS NOT NULL GROUP BY kek_id`, func(u *KeyUse, _ string, n int) { u.Records += n }); err != nil {
			return err
		}
		for _, v := range sealedValues {
			err := count(`SELECT `+v.keyCol+`, count(*) FROM `+v.table+` WHERE `+v.keyCol+` <> '' GROUP BY `+v.keyCol, func(u *KeyUse, id string, n int) {
				if strings.HasPrefix(id, seal.Envelope) {
					u.Values += n
				} else {
					u.Direct += n
				}
			})
			if err != nil {
				return err
			}
		}
		return t.queryRow(ctx, `SELECT count(*) FROM records WHERE NOT sealed`).Scan(&plaintext)
	})
	for _, id := range sortedKeys(func() map[string]bool {
		m := map[string]bool{}
		for id := range byID {
			m[id] = true
		}
		return m
	}()) {
		uses = append(uses, *byID[id])
	}
	return uses, plaintext, err
}

// RotateOptions tune RotateKeys.
type RotateOptions struct {
	Batch int // data keys re-wrapped per transaction (default 200)
	// Progress, if set, is called after each batch with the number of data
	// keys re-wrapped so far; an error from it stops the rotation, which
	// a later run resumes.
	Progress func(done int) error
}

// RotateResult says what a rotation did.
type RotateResult struct {
	To      string   `json:"to"`
	Records int      `json:"records"` // records' data keys re-wrapped
	Values  int      `json:"values"`  // sealed values' data keys re-wrapped
	Direct  int      `json:"direct"`  // values sealed directly with an old key, left as they are
	Retired []string `json:"retired"` // master keys that now wrap nothing
}

// RotateKeys makes master key to (which must be loaded) the one that wraps
// new data keys, then re-wraps every data key under another master key with
// it, batch data keys per transaction, so that the database keeps serving:
// readers need both keys loaded until it ends, which they have if they were
// given both. Interrupted, it resumes where it stopped when run again. The
// rotation is audited, start and end.
func (s *Store) RotateKeys(ctx context.Context, actor Actor, to string, opts RotateOptions) (RotateResult, error) {
	res := RotateResult{To: to}
	if s.keys == nil || !s.keys.Has(to) {
		return res, fmt.Errorf("%w: rotate to master key %s: it is not loaded", ErrNoMasterKey, to)
	}
	batch := opts.Batch
	if batch <= 0 {
		batch = 200
	}
	batch = min(batch, MaxBatch)
	err := s.InTx(ctx, func(t *Tx) error {
		if err := t.registerMasterKey(ctx, s.keys, to, true); err != nil {
			return err
		}
		return t.AppendAudit(ctx, AuditEntry{Actor: actor.ID, ActorOrg: actor.OrgID, Action: "keys.rotate.start", Outcome: OutcomeOK,
			Detail: "new data keys are wrapped by master key " + to + "; re-wrapping the others"})
	})
	if err != nil {
		return res, err
	}
	progress := func() error {
		if opts.Progress != nil {
			return opts.Progress(res.Records + res.Values)
		}
		return nil
	}
	// Records' data keys.
	for {
		n := 0
		err := s.InTx(ctx, func(t *Tx) error {
			type row struct {
				id, kek string
				dek     []byte
			}
			rows, err := t.query(ctx, `SELECT id, kek_id, dek FROM records WHERE kek_id IS NOT NULL AND kek_id <> $1 ORDER BY kek_id, id LIMIT `+strconv.Itoa(batch), to)
			if err != nil {
				return err
			}
			rs, err := scanAll(rows, func(sc interface{ Scan(...any) error }) (r row, err error) {
				return r, sc.Scan(&r.id, &r.kek, &r.dek)
			})
			if err != nil {
				return err
			}
			n = 0
			for _, r := range rs {
				w, err := seal.Rewrap(ctx, s.keys, r.kek, r.dek, dekAD(r.id), to)
				if err != nil {
					return fmt.Errorf("record %s: re-wrap its data key: %w", r.id, err)
				}
				res, err := t.exec(ctx, `UPDATE records SET kek_id = $1, dek = $2 WHERE id = $3 AND kek_id = $4`, to, w, r.id, r.kek)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k > 0 {
					n++
				}
			}
			if len(rs) > 0 && n == 0 {
				return fmt.Errorf("re-wrap: no progress on a batch of %d records", len(rs))
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("rotate master key: %w", err)
		}
		if n == 0 {
			break
		}
		res.Records += n
		if err := progress(); err != nil {
			return res, err
		}
	}
	// Values sealed one at a time.
	env := seal.Envelope + to
	for _, v := range sealedValues {
		for {
			n, direct := 0, 0
			err := s.InTx(ctx, func(t *Tx) error {
				type row struct {
					id, key string
					sealed  []byte
				}
				rows, err := t.query(ctx, `SELECT `+v.id+`, `+v.keyCol+`, `+v.col+` FROM `+v.table+` WHERE `+v.keyCol+` LIKE 'env:%' AND `+v.keyCol+` <> $1 ORDER BY `+v.id+` LIMIT `+strconv.Itoa(batch), env)
				if err != nil {
					return err
				}
				rs, err := scanAll(rows, func(sc interface{ Scan(...any) error }) (r row, err error) {
					return r, sc.Scan(&r.id, &r.key, &r.sealed)
				})
				if err != nil {
					return err
				}
				n = 0
				for _, r := range rs {
					key, out, ok, err := seal.RewrapValue(ctx, s.keys, r.key, r.sealed, to)
					if err != nil {
						return fmt.Errorf("%s %s: re-wrap its data key: %w", v.table, r.id, err)
					}
					if !ok {
						continue
					}
					res, err := t.exec(ctx, `UPDATE `+v.table+` SET `+v.keyCol+` = $1, `+v.col+` = $2 WHERE `+v.id+` = $3 AND `+v.keyCol+` = $4`, key, out, r.id, r.key)
					if err != nil {
						return err
					}
					if k, _ := res.RowsAffected(); k > 0 {
						n++
					}
				}
				if len(rs) > 0 && n == 0 {
					return fmt.Errorf("re-wrap %s: no progress on a batch of %d", v.table, len(rs))
				}
				return t.queryRow(ctx, `SELECT count(*) FROM `+v.table+` WHERE `+v.keyCol+` <> '' AND `+v.keyCol+` NOT LIKE 'env:%'`).Scan(&direct)
			})
			if err != nil {
				return res, fmt.Errorf("rotate master key: %w", err)
			}
			if n == 0 {
				res.Direct += direct
				break
			}
			res.Values += n
			if err := progress(); err != nil {
				return res, err
			}
		}
	}
	uses, _, err := s.KeyStatus(ctx)
	if err != nil {
		return res, err
	}
	for _, u := range uses {
		if u.ID != to && u.Records+u.Values+u.Direct == 0 {
			res.Retired = append(res.Retired, u.ID)
		}
	}
	err = s.InTx(ctx, func(t *Tx) error {
		return t.AppendAudit(ctx, AuditEntry{Actor: actor.ID, ActorOrg: actor.OrgID, Action: "keys.rotate", Outcome: OutcomeOK,
			Detail: fmt.Sprintf("master key %s: %d record data keys and %d sealed values re-wrapped; %d values sealed directly with an old key left; no longer needed: %s",
				to, res.Records, res.Values, res.Direct, strings.Join(res.Retired, ", "))})
	})
	return res, err
}
