package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// Synthetic organisations and ids only; no personal data anywhere.
var testOrgs = []string{"ua-nib", "ru-office", "mediator"}

var testKinds = []string{
	KindListSubmitted, KindListAcknowledged, KindMatchProposed, KindMatchConfirmed,
	KindMatchRejected, KindCaseTransition, KindMessageSent, KindSharingPolicyChanged,
}

var testEpoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fixture is a log on a MemStore with three organisations.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	store   *MemStore
	log     *Log
	logSKey string
	logVKey string
	logSig  note.Signer
	signers map[string]OrgSigner
	vkeys   map[string]string
	keyring *Keyring
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), signers: map[string]OrgSigner{}, vkeys: map[string]string{}}
	var err error
	if f.logSKey, f.logVKey, err = NewLogKey(DefaultOrigin); err != nil {
		t.Fatal(err)
	}
	if f.logSig, err = note.NewSigner(f.logSKey); err != nil {
		t.Fatal(err)
	}
	f.keyring, _ = NewKeyring()
	for _, org := range testOrgs {
		f.addOrgKey(org)
	}
	f.store = NewMemStore()
	f.log = f.openLog(f.store)
	return f
}

// addOrgKey gives org a new key (the first, or a rotation).
func (f *fixture) addOrgKey(org string) string {
	f.t.Helper()
	skey, vkey, err := NewOrgKey(org)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := NewOrgSigner(skey)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.keyring.Add(vkey); err != nil {
		f.t.Fatal(err)
	}
	f.signers[org] = s
	f.vkeys[s.KeyID()] = vkey
	return vkey
}

func (f *fixture) orgKeys() []string { return f.keyring.Keys() }

func (f *fixture) openLog(s Store) *Log {
	f.t.Helper()
	l, err := NewLog(f.ctx, LogConfig{Store: s, Signer: f.logSig, Keyring: f.keyring})
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// act returns the i-th synthetic act, deterministic.
func act(i int) Entry {
	e := Entry{
		Kind:     testKinds[i%len(testKinds)],
		Time:     testEpoch.Add(time.Duration(i) * 1500 * time.Millisecond),
		ActorOrg: testOrgs[i%len(testOrgs)],
		Subjects: []string{fmt.Sprintf("case:%06d", i/3), fmt.Sprintf("record:%06d", i)},
	}
	switch e.Kind {
	case KindMatchProposed, KindMatchConfirmed, KindMatchRejected:
		e.DataHashes = []string{HashData([]byte(fmt.Sprintf("salt-%d", i)), "synthetic", fmt.Sprint(i))}
	case KindCaseTransition:
		e.Detail = map[string]string{"from": "located", "to": "verified"}
	case KindSharingPolicyChanged:
		e.Detail = map[string]string{"field": "birth_place", "share": "false"}
	}
	return e
}

// appendN appends acts [from, from+n) and returns their receipts.
func (f *fixture) appendN(from, n int) []Receipt {
	f.t.Helper()
	var rs []Receipt
	for i := from; i < from+n; i++ {
		e := act(i)
		r, err := f.log.Append(f.ctx, e, f.signers[e.ActorOrg])
		if err != nil {
			f.t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

func (f *fixture) entries() []Entry {
	f.t.Helper()
	n, _ := f.store.Size(f.ctx)
	es, err := f.store.Entries(f.ctx, 0, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

// rebuilt is what a log operator who rewrites history serves: a tree built
// afresh from the given entries (verbatim, whatever their Index fields say)
// and checkpoints signed with the real log key.
func (f *fixture) rebuilt(entries []Entry) *Log {
	f.t.Helper()
	m := NewMemStore()
	r := factory.NewEmptyRange(0)
	for _, e := range entries {
		leaf := e.LeafHash()
		if err := r.Append(leaf[:], func(id compact.NodeID, h []byte) { m.put(id, Hash(h)) }); err != nil {
			f.t.Fatal(err)
		}
		m.entries = append(m.entries, e.Clone())
	}
	l, err := NewLog(f.ctx, LogConfig{Store: m, Signer: f.logSig})
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

func (f *fixture) checkpoint(l *Log) []byte {
	f.t.Helper()
	cp, err := l.Checkpoint(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return cp
}

// served is a Source serving a fixed checkpoint (for instance one carrying
// cosignatures) and the rest from a log.
type served struct {
	*Log
	cp []byte
}

func (s served) Checkpoint(context.Context) ([]byte, error) { return s.cp, nil }

func (f *fixture) verifier(st VerifierState) *Verifier {
	f.t.Helper()
	if st.LogKey == "" {
		st.LogKey = f.logVKey
	}
	if st.OrgKeys == nil {
		st.OrgKeys = f.orgKeys()
	}
	v, err := NewVerifier(st)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func mustOK(t testing.TB, v Verdict) {
	t.Helper()
	if !v.OK {
		t.Fatalf("verdict not OK:\n%s", v)
	}
}

// mustName fails unless the verdict failed and names entry index with a
// problem of one of the kinds.
func mustName(t testing.TB, v Verdict, index uint64, kinds ...string) {
	t.Helper()
	if v.OK {
		t.Fatalf("verdict OK, want a problem at entry %d:\n%s", index, v)
	}
	for _, p := range v.Problems {
		if p.Index == int64(index) {
			for _, k := range kinds {
				if p.Kind == k {
					return
				}
			}
		}
	}
	t.Fatalf("no %v problem at entry %d:\n%s", kinds, index, v)
}

func hasKind(v Verdict, kind string) bool {
	for _, p := range v.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}
