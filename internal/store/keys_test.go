package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// Known values that must never be found in plaintext in the database.
const (
	secretPlace     = "Sentinel-Location-Q7X"
	secretCaregiver = "Sentinel-Caregiver-K2"
	secretNotes     = "Sentinel-Notes-M4"
	secretContact   = "Sentinel-Contact-P9"
	secretOldPlace  = "Sentinel-OldPlace-Z3"
)

var secrets = []string{secretPlace, secretCaregiver, secretNotes, secretContact, secretOldPlace}

func keyring(t testing.TB, keys ...string) *seal.Keyring {
	t.Helper()
	k, err := seal.Load(strings.Join(keys, ","), "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if store.IsPostgres(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawText returns every value of the tables holding records, as text.
func rawText(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"records", "record_sensitive", "record_history"} {
		rows, err := db.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%s\n", v)
			}
		}
		rows.Close()
	}
	return b.String()
}

func secretRecord(org string) *domain.Record {
	r := child(org, "S-1", "Taras", "Bondar")
	r.Person.Notes = secretNotes
	r.Sensitive = domain.Sensitive{CurrentLocation: secretOldPlace, CurrentCaregiver: secretCaregiver}
	return r
}

func TestSensitiveFieldsEncryptedAtRest(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, clock)
		o := mkOrg(t, s, "ua")
		r := secretRecord(o.ID)
		req := &domain.Record{Kind: domain.KindRequest, OrgID: o.ID, Person: r.Person,
			Enquirer: &domain.Enquirer{Name: "Olha", Relation: domain.RelationMother}, Sensitive: domain.Sensitive{EnquirerContact: secretContact}}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r, req}) })
		// A second version: the first (with the old place) goes to the history.
		r.Sensitive.CurrentLocation = secretPlace
		tx(t, s, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, r) })

		tx(t, s, func(tx *store.Tx) error {
			got, err := tx.Record(ctx, r.ID, true)
			if err != nil {
				return err
			}
			if got.Sensitive.CurrentLocation != secretPlace || got.Sensitive.CurrentCaregiver != secretCaregiver || got.Person.Notes != secretNotes {
				t.Errorf("round trip: %+v, notes %q", got.Sensitive, got.Person.Notes)
			}
			got, err = tx.Record(ctx, req.ID, true)
			if err != nil || got.Sensitive.EnquirerContact != secretContact {
				t.Errorf("request round trip: %+v %v", got.Sensitive, err)
			}
			// Lists (without sensitive fields) still carry the notes.
			list, err := tx.Records(ctx, store.RecordFilter{OrgIDs: []string{o.ID}})
			if err != nil || len(list) != 2 || list[0].Person.Notes != secretNotes || !list[0].Sensitive.IsZero() {
				t.Errorf("list: %+v %v", list, err)
			}
			revs, err := tx.Revisions(ctx, r.ID)
			if err != nil || len(revs) != 2 || revs[0].Record.Sensitive.CurrentLocation != secretOldPlace || revs[0].Record.Person.Notes != secretNotes {
				t.Errorf("history: %+v %v", revs, err)
			}
			return nil
		})

		text := rawText(t, rawDB(t, dsn))
		if !strings.Contains(text, "Bondar") {
			t.Fatal("raw rows not read: the test would prove nothing")
		}
		for _, v := range secrets {
			if strings.Contains(text, v) {
				t.Errorf("%s is stored in plaintext", v)
			}
		}
		if !store.IsPostgres(dsn) {
			// The database file and its write-ahead log, where recent
			// pages may still be.
			var all []byte
			for _, f := range []string{dsn, dsn + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			if !bytes.Contains(all, []byte("Bondar")) {
				t.Fatal("file bytes not read: the test would prove nothing")
			}
			for _, v := range secrets {
				if bytes.Contains(all, []byte(v)) {
					t.Errorf("%s found in the bytes of the database file", v)
				}
			}
		}
	})
}

// A changed byte, or an encrypted value moved to another record's row,
// fails with an error naming the record: never an empty field.
func TestTamperedOrSwappedCiphertextFails(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, clock)
		o := mkOrg(t, s, "ua")
		a, b := secretRecord(o.ID), secretRecord(o.ID)
		b.ExternalID = "S-2"
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{a, b}) })
		db := rawDB(t, dsn)
		read := func(id string) error {
			return s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Record(ctx, id, true); return err })
		}
		check := func(what, id string, err error) {
			t.Helper()
			if !errors.Is(err, store.ErrSealed) || !strings.Contains(err.Error(), id) {
				t.Errorf("%s: %v; want ErrSealed naming record %s", what, err, id)
			}
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		var sa, sb, na []byte
		db.QueryRow(`SELECT sealed FROM record_sensitive WHERE record_id = $1`, a.ID).Scan(&sa)
		db.QueryRow(`SELECT sealed FROM record_sensitive WHERE record_id = $1`, b.ID).Scan(&sb)
		db.QueryRow(`SELECT notes_sealed FROM records WHERE id = $1`, a.ID).Scan(&na)
		if sa == nil || na == nil {
			t.Fatal("nothing sealed")
		}
		// Swap the sensitive fields of a and b.
		exec(`UPDATE record_sensitive SET sealed = $1 WHERE record_id = $2`, sb, a.ID)
		check("sensitive fields of b moved to a", a.ID, read(a.ID))
		exec(`UPDATE record_sensitive SET sealed = $1 WHERE record_id = $2`, sa, a.ID)
		if err := read(a.ID); err != nil {
			t.Fatalf("restored: %v", err)
		}
		// A changed byte in the notes.
		bad := bytes.Clone(na)
		bad[len(bad)-3] ^= 0x40
		exec(`UPDATE records SET notes_sealed = $1 WHERE id = $2`, bad, a.ID)
		check("changed notes", a.ID, read(a.ID))
		err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Records(ctx, store.RecordFilter{OrgIDs: []string{o.ID}})
			return err
		})
		check("changed notes, listed", a.ID, err)
		exec(`UPDATE records SET notes_sealed = $1 WHERE id = $2`, na, a.ID)
		// b's data key moved to a.
		var db2 []byte
		db.QueryRow(`SELECT dek FROM records WHERE id = $1`, b.ID).Scan(&db2)
		exec(`UPDATE records SET dek = $1 WHERE id = $2`, db2, a.ID)
		check("data key of b moved to a", a.ID, read(a.ID))
	})
}

// wrongKey claims to be master key id but is another key: as a
// misconfigured KMS could be. Only the canary can tell.
type wrongKey struct {
	*seal.Keyring
	id string
}

func (w wrongKey) Current() string       { return w.id }
func (w wrongKey) Has(id string) bool    { return id == w.id }
func (w wrongKey) real(id string) string { return w.Keyring.Current() }
func (w wrongKey) Wrap(ctx context.Context, id string, p, ad []byte) ([]byte, error) {
	return w.Keyring.Wrap(ctx, w.real(id), p, ad)
}
func (w wrongKey) Unwrap(ctx context.Context, id string, c, ad []byte) ([]byte, error) {
	return w.Keyring.Unwrap(ctx, w.real(id), c, ad)
}

func TestMissingOrWrongKeyFailsAtStart(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		keyA := keyring(t, seal.NewKey())
		s := storetest.Open(t, dsn, store.Options{Keys: keyA})
		o := mkOrg(t, s, "ua")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{secretRecord(o.ID)}) })
		s.Close()

		_, err := store.Open(ctx, dsn, store.Options{})
		if !errors.Is(err, store.ErrNoMasterKey) || !strings.Contains(err.Error(), keyA.Current()) {
			t.Errorf("no key: %v; want ErrNoMasterKey naming %s", err, keyA.Current())
		}
		keyB := keyring(t, seal.NewKey())
		_, err = store.Open(ctx, dsn, store.Options{Keys: keyB})
		if !errors.Is(err, store.ErrNoMasterKey) || !strings.Contains(err.Error(), keyA.Current()) {
			t.Errorf("another key: %v; want ErrNoMasterKey naming %s", err, keyA.Current())
		}
		_, err = store.Open(ctx, dsn, store.Options{Keys: wrongKey{keyB, keyA.Current()}})
		if !errors.Is(err, store.ErrWrongMasterKey) || !strings.Contains(err.Error(), keyA.Current()) {
			t.Errorf("wrong key under the right name: %v; want ErrWrongMasterKey", err)
		}
		s2, err := store.Open(ctx, dsn, store.Options{Keys: keyA})
		if err != nil {
			t.Fatalf("the right key: %v", err)
		}
		s2.Close()
	})
}

// Records written as before encryption at rest (plaintext) are read as they
// are, and EncryptExisting seals them without loss.
func TestEncryptExisting(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, clock)
		o := mkOrg(t, s, "ua")
		var recs []*domain.Record
		for i := range 7 {
			r := secretRecord(o.ID)
			r.ExternalID = fmt.Sprint("L-", i)
			recs = append(recs, r)
		}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })
		r := recs[0]
		r.Sensitive.CurrentLocation = secretPlace
		tx(t, s, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, r) })
		var want []store.Revision
		tx(t, s, func(tx *store.Tx) (err error) { want, err = tx.Revisions(ctx, r.ID); return err })

		// Turn every record back into its plaintext form.
		db := rawDB(t, dsn)
		for _, rec := range recs {
			var revs []store.Revision
			tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, rec.ID); return err })
			cur := revs[len(revs)-1].Record
			person, _ := json.Marshal(cur.Person)
			sens, _ := json.Marshal(cur.Sensitive)
			for _, q := range []struct {
				q    string
				args []any
			}{
				{`UPDATE records SET person = $1, kek_id = NULL, dek = NULL, notes_sealed = NULL, sealed = $2 WHERE id = $3`, []any{string(person), false, rec.ID}},
				{`UPDATE record_sensitive SET data = $1, sealed = NULL WHERE record_id = $2`, []any{string(sens), rec.ID}},
			} {
				if _, err := db.Exec(q.q, q.args...); err != nil {
					t.Fatal(err)
				}
			}
			for _, rev := range revs[:len(revs)-1] {
				snap, _ := json.Marshal(rev.Record)
				if _, err := db.Exec(`UPDATE record_history SET snapshot = $1, sealed = NULL WHERE record_id = $2 AND version = $3`, string(snap), rec.ID, rev.Version); err != nil {
					t.Fatal(err)
				}
			}
		}
		if text := rawText(t, db); !strings.Contains(text, secretNotes) || !strings.Contains(text, secretOldPlace) {
			t.Fatal("the plaintext form was not written: the test would prove nothing")
		}
		if n, err := s.PlaintextRecords(ctx); err != nil || n != len(recs) {
			t.Fatalf("plaintext records: %d %v", n, err)
		}
		check := func(when string) {
			t.Helper()
			var got []store.Revision
			tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Revisions(ctx, r.ID); return err })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: revisions\n%v\nwant\n%v", when, got, want)
			}
		}
		check("in plaintext")
		// Interrupted after the first batch, then resumed.
		stop := errors.New("stop")
		n, err := s.EncryptExisting(ctx, 3, func(int) error { return stop })
		if !errors.Is(err, stop) || n != 3 {
			t.Fatalf("interrupted: %d %v", n, err)
		}
		n, err = s.EncryptExisting(ctx, 3, nil)
		if err != nil || n != len(recs)-3 {
			t.Fatalf("resumed: %d %v", n, err)
		}
		check("sealed")
		if left, _ := s.PlaintextRecords(ctx); left != 0 {
			t.Errorf("%d records left in plaintext", left)
		}
		text := rawText(t, db)
		for _, v := range secrets {
			if strings.Contains(text, v) {
				t.Errorf("%s still in plaintext", v)
			}
		}
	})
}

// Rotation re-wraps every data key while another store (a server) keeps
// reading and writing records: no error, nothing lost; interrupted, it
// resumes; then the old key can go.
func TestRotateOnline(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		oldKey, newKey := seal.NewKey(), seal.NewKey()
		s := storetest.Open(t, dsn, store.Options{Keys: keyring(t, oldKey)})
		o := mkOrg(t, s, "ua")
		const n = 300
		want := map[string]string{} // record id → current location
		var mu sync.Mutex
		var recs []*domain.Record
		for i := range n {
			r := secretRecord(o.ID)
			r.ExternalID = fmt.Sprint("R-", i)
			r.Sensitive.CurrentLocation = fmt.Sprint("place ", i)
			recs = append(recs, r)
		}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })
		for _, r := range recs {
			want[r.ID] = r.Sensitive.CurrentLocation
		}
		old := keyring(t, oldKey)
		s.Close()

		// Both keys, the new one first: the server and the rotation.
		both := keyring(t, newKey, oldKey)
		server := storetest.Open(t, dsn, store.Options{Keys: both})
		rot := storetest.Open(t, dsn, store.Options{Keys: both})

		var done atomic.Bool
		var wg sync.WaitGroup
		var ops atomic.Int64
		errs := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; !done.Load() || i < 20; i++ {
				mu.Lock()
				r := recs[rng.IntN(len(recs))]
				mu.Unlock()
				err := server.InTx(ctx, func(tx *store.Tx) error {
					got, err := tx.Record(ctx, r.ID, true)
					if err != nil {
						return err
					}
					mu.Lock()
					w := want[r.ID]
					mu.Unlock()
					if got.Sensitive.CurrentLocation != w || got.Person.Notes != secretNotes {
						return fmt.Errorf("record %s read %q, want %q", r.ID, got.Sensitive.CurrentLocation, w)
					}
					got.Sensitive.CurrentLocation = fmt.Sprint("moved ", i)
					if err := tx.UpdateRecord(ctx, actor, &got); err != nil {
						return err
					}
					nr := secretRecord(o.ID)
					nr.ExternalID = fmt.Sprint("N-", i)
					if err := tx.InsertRecords(ctx, actor, []*domain.Record{nr}); err != nil {
						return err
					}
					tx.OnCommit(func() {
						mu.Lock()
						want[got.ID] = got.Sensitive.CurrentLocation
						want[nr.ID] = nr.Sensitive.CurrentLocation
						recs = append(recs, nr)
						mu.Unlock()
					})
					return nil
				})
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				ops.Add(1)
			}
		}()

		// Interrupted after two batches…
		stop := errors.New("interrupted")
		batches := 0
		_, err := rot.RotateKeys(ctx, actor, both.Current(), store.RotateOptions{Batch: 40, Progress: func(int) error {
			if batches++; batches == 2 {
				return stop
			}
			return nil
		}})
		if !errors.Is(err, stop) {
			t.Fatalf("interrupted rotation: %v", err)
		}
		uses, _, _ := rot.KeyStatus(ctx)
		if len(uses) != 2 || uses0(uses, old.Current()).Records == 0 || uses0(uses, both.Current()).Records < 80 {
			t.Fatalf("after the interruption: %+v", uses)
		}
		// …and resumed.
		res, err := rot.RotateKeys(ctx, actor, both.Current(), store.RotateOptions{Batch: 40})
		if err != nil {
			t.Fatalf("resumed rotation: %v", err)
		}
		done.Store(true)
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatalf("server during rotation: %v", err)
		default:
		}
		if ops.Load() < 20 {
			t.Fatalf("only %d operations ran beside the rotation", ops.Load())
		}
		uses, plain, err := rot.KeyStatus(ctx)
		if err != nil || plain != 0 {
			t.Fatal(err, plain)
		}
		if u := uses0(uses, old.Current()); u.Records != 0 || !strings.Contains(strings.Join(res.Retired, ","), old.Current()) {
			t.Fatalf("old key still wraps %d data keys; retired %v", u.Records, res.Retired)
		}
		var audited int
		tx(t, rot, func(tx *store.Tx) error {
			entries, err := tx.Audit(ctx, store.AuditFilter{})
			for _, e := range entries {
				if strings.HasPrefix(e.Action, "keys.rotate") {
					audited++
				}
			}
			return err
		})
		if audited != 3 { // two starts, one end
			t.Errorf("rotation audited %d times, want 3", audited)
		}
		server.Close()
		rot.Close()

		// The new key alone opens everything.
		only := storetest.Open(t, dsn, store.Options{Keys: keyring(t, newKey)})
		tx(t, only, func(tx *store.Tx) error {
			for id, w := range want {
				got, err := tx.Record(ctx, id, true)
				if err != nil {
					return err
				}
				if got.Sensitive.CurrentLocation != w {
					t.Errorf("record %s: %q, want %q", id, got.Sensitive.CurrentLocation, w)
				}
			}
			return nil
		})
		if len(want) != n+int(ops.Load()) {
			t.Errorf("%d records, want %d", len(want), n+int(ops.Load()))
		}
		// And the old key alone no longer does.
		only.Close()
		if _, err := store.Open(ctx, dsn, store.Options{Keys: keyring(t, oldKey)}); !errors.Is(err, store.ErrNoMasterKey) {
			t.Errorf("old key only, after rotation: %v", err)
		}
	})
}

func uses0(uses []store.KeyUse, id string) store.KeyUse {
	for _, u := range uses {
		if u.ID == id {
			return u
		}
	}
	return store.KeyUse{}
}

// TestCreateAfterRotationElsewhere: a server keeps its choice of the master
// key that wraps new data keys (on PostgreSQL it no longer asks before each
// creation); another process rotates to a new key; the server's next record
// is still wrapped by the new key, and opens with it alone.
func TestCreateAfterRotationElsewhere(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		oldKey, newKey := seal.NewKey(), seal.NewKey()
		s0 := storetest.Open(t, dsn, store.Options{Keys: keyring(t, oldKey)})
		o := mkOrg(t, s0, "ua")
		s0.Close()
		server := storetest.Open(t, dsn, store.Options{Keys: keyring(t, oldKey, newKey)})
		first := secretRecord(o.ID)
		tx(t, server, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{first}) })

		rot := storetest.Open(t, dsn, store.Options{Keys: keyring(t, newKey, oldKey)})
		to := keyring(t, newKey).Current()
		if _, err := rot.RotateKeys(ctx, actor, to, store.RotateOptions{}); err != nil {
			t.Fatal(err)
		}
		second, third := secretRecord(o.ID), secretRecord(o.ID)
		second.ExternalID, third.ExternalID = "S-2", "S-3"
		tx(t, server, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{second}) })
		tx(t, server, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{third}) })
		uses, _, err := rot.KeyStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if u := uses0(uses, keyring(t, oldKey).Current()); u.Records != 0 {
			t.Errorf("after the rotation the old key wraps %d records' data keys, want none", u.Records)
		}
		if u := uses0(uses, to); u.Records != 3 {
			t.Errorf("the new key wraps %d records' data keys, want 3", u.Records)
		}
		server.Close()
		rot.Close()
		only := storetest.Open(t, dsn, store.Options{Keys: keyring(t, newKey)})
		for _, r := range []*domain.Record{first, second, third} {
			var got domain.Record
			tx(t, only, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, true); return err })
			if got.Person.Notes != secretNotes || got.Sensitive.CurrentLocation != secretOldPlace {
				t.Errorf("record %s with the new key alone: %q, %q", r.ExternalID, got.Person.Notes, got.Sensitive.CurrentLocation)
			}
		}
	})
}
