package ledger

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// roundTrip reloads a verifier from its JSON state, as a party would
// between runs.
func roundTrip(t testing.TB, v *Verifier) *Verifier {
	t.Helper()
	b, err := json.Marshal(v.State())
	if err != nil {
		t.Fatal(err)
	}
	var st VerifierState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	nv, err := NewVerifier(st)
	if err != nil {
		t.Fatal(err)
	}
	return nv
}

// An honest log: many appends, a key rotation, checkpoints cosigned by two
// witnesses with consistency proofs, three verifiers passing every time.
func TestHonestRoundTrip(t *testing.T) {
	f := newFixture(t)
	clock := time.Unix(1_780_000_000, 0)
	now := func() time.Time { return clock }
	w1, k1 := newTestWitness(t, f, "witness.example/w1", now)
	w2, k2 := newTestWitness(t, f, "witness.example/w2", now)

	ua := f.verifier(VerifierState{WitnessKeys: []string{k1, k2}, WitnessQuorum: 2, KeepLeafHashes: true, ReceiptOrgs: []string{"ua-nib"}})
	ru := f.verifier(VerifierState{WitnessKeys: []string{k1, k2}, WitnessQuorum: 2, ReceiptOrgs: []string{"ru-office"}})
	med := f.verifier(VerifierState{WitnessKeys: []string{k1, k2}, WitnessQuorum: 1})

	rnd := rand.New(rand.NewPCG(7, 7))
	next := 0
	var ruReceipts []Receipt
	for round := 0; round < 25; round++ {
		n := rnd.IntN(60)
		if round%7 == 3 {
			n = 0 // a checkpoint with nothing new
		}
		for _, r := range f.appendN(next, n) {
			if es, _ := f.store.Entries(f.ctx, r.Index, r.Index+1); es[0].ActorOrg == "ru-office" {
				ruReceipts = append(ruReceipts, r)
			}
		}
		next += n
		if round == 12 {
			// ua-nib rotates its key; the verifiers learn the new one.
			vkey := f.addOrgKey("ua-nib")
			for _, v := range []*Verifier{ua, ru, med} {
				if err := v.AddOrgKey(vkey); err != nil {
					t.Fatal(err)
				}
			}
		}
		cp := f.checkpoint(f.log)
		cp, err := f.cosign(w1, f.log, cp)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if cp, err = f.cosign(w2, f.log, cp); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		src := served{f.log, cp}
		for name, v := range map[string]*Verifier{"ua": ua, "ru": ru, "med": med} {
			verdict := v.Verify(f.ctx, src)
			if !verdict.OK {
				t.Fatalf("round %d, %s:\n%s", round, name, verdict)
			}
			if len(verdict.Cosigners) != 2 {
				t.Fatalf("round %d, %s: cosigners %v", round, name, verdict.Cosigners)
			}
		}
		// ru-office hands its receipts to the mediator's verifier.
		for _, r := range ruReceipts {
			med.AddReceipt(r)
		}
		ruReceipts = nil
		clock = clock.Add(time.Minute)
		if round%4 == 0 {
			ua, ru, med = roundTrip(t, ua), roundTrip(t, ru), roundTrip(t, med)
		}
	}
	size, _ := f.log.Size(f.ctx)
	t.Logf("%d entries, last verdict of ua: %s", size, ua.Verify(f.ctx, served{f.log, []byte(w2.State().Checkpoint)}))

	st := ua.State()
	if st.Size != size || uint64(len(st.LeafHashes)) != size || len(st.Receipts) == 0 || len(st.Pending) != 0 {
		t.Fatalf("ua state: size %d, %d leaves, %d receipts, %d pending", st.Size, len(st.LeafHashes), len(st.Receipts), len(st.Pending))
	}
	for _, r := range st.Receipts {
		if es, _ := f.store.Entries(f.ctx, r.Index, r.Index+1); es[0].ActorOrg != "ua-nib" {
			t.Fatalf("receipt for entry %d by %s", r.Index, es[0].ActorOrg)
		}
	}
	if mst := med.State(); len(mst.Receipts) == 0 || len(mst.Pending) != 0 {
		t.Fatalf("mediator receipts %d, pending %d", len(mst.Receipts), len(mst.Pending))
	}
	// A full audit passes too, and a new verifier catching up in one go.
	src := served{f.log, []byte(w2.State().Checkpoint)}
	for _, v := range []*Verifier{ua, ru, med, f.verifier(VerifierState{WitnessKeys: []string{k1, k2}, WitnessQuorum: 2, KeepLeafHashes: true})} {
		mustOK(t, v.VerifyAll(f.ctx, src))
	}
	// Inclusion of every receipt against the final checkpoint.
	c, _, err := OpenCheckpoint([]byte(w2.State().Checkpoint), mustVerifier(t, f.logVKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Receipts {
		p, err := f.log.InclusionProof(f.ctx, r.Index, c.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(hasher, r.Index, c.Size, r.LeafHash[:], p, c.Root[:]); err != nil {
			t.Fatalf("receipt %d: %v", r.Index, err)
		}
	}
	// The log refused an entry whose signature does not verify.
	bad := act(5)
	skey, _, _ := NewOrgKey("ua-nib")
	rogue, _ := NewOrgSigner(skey)
	bad.ActorOrg = "ua-nib"
	if _, err := f.log.Append(f.ctx, bad, rogue); err == nil {
		t.Error("log appended an entry signed by an unpinned key")
	}
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tamperSetup: 100 entries verified by a verifier that keeps leaf hashes
// and one that keeps receipts only (for ua-nib's entries), then 20 more
// honest entries.
func tamperSetup(t *testing.T) (f *fixture, keep, light *Verifier) {
	f = newFixture(t)
	f.appendN(0, 100)
	keep = f.verifier(VerifierState{KeepLeafHashes: true})
	light = f.verifier(VerifierState{ReceiptOrgs: []string{"ua-nib"}})
	mustOK(t, keep.Verify(f.ctx, f.log))
	mustOK(t, light.Verify(f.ctx, f.log))
	f.appendN(100, 20)
	return f, keep, light
}

func report(t *testing.T, name string, v Verdict) {
	t.Helper()
	t.Logf("%s:\n%s", name, v)
}

// Entry 36 (ua-nib's, as i%3 == 0 are) is changed in the store; the tree and checkpoints still commit to the
// original.
func TestTamperFieldInPlace(t *testing.T) {
	f, keep, light := tamperSetup(t)
	f.store.entries[36].Subjects[1] = "record:999999"
	// An incremental check does not fetch entry 36 again, the tree being
	// unchanged; a full audit and a new verifier do.
	v := keep.VerifyAll(f.ctx, f.log)
	report(t, "keep, VerifyAll", v)
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemRewritten)
	mustName(t, v, 36, ProblemInclusion)
	v = light.VerifyAll(f.ctx, f.log)
	mustName(t, v, 36, ProblemReceipt)
	fresh := f.verifier(VerifierState{})
	v = fresh.Verify(f.ctx, f.log)
	report(t, "fresh verifier", v)
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemInclusion)
	if got := v.Entries(); !slices.Equal(got, []uint64{36}) {
		t.Errorf("named entries %v", got)
	}
	// A change in the new range is caught by the incremental check.
	f.store.entries[110].Detail = map[string]string{"to": "closed"}
	v = keep.Verify(f.ctx, f.log)
	report(t, "keep, Verify, entry 110 changed", v)
	mustName(t, v, 110, ProblemSignature)
	mustName(t, v, 110, ProblemInclusion)
	if keep.State().Size != 100 {
		t.Error("a failed verification moved the state")
	}
}

// The operator rewrites entry 36 and rebuilds the tree, signing fresh
// checkpoints with the real log key.
func TestTamperFieldRewritten(t *testing.T) {
	f, keep, light := tamperSetup(t)
	es := f.entries()
	es[36].Kind = KindMessageSent
	src := f.rebuilt(es)
	v := keep.Verify(f.ctx, src)
	report(t, "keep", v)
	if !hasKind(v, ProblemConsistency) {
		t.Error("no consistency problem")
	}
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemRewritten)
	v = light.Verify(f.ctx, src)
	report(t, "light", v)
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemReceipt)
	// Re-signed by the operator with a key of its own: unknown key.
	skey, _, _ := NewOrgKey("ua-nib")
	s, _ := NewOrgSigner(skey)
	if err := SignEntry(&es[36], s); err != nil {
		t.Fatal(err)
	}
	v = keep.Verify(f.ctx, f.rebuilt(es))
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemRewritten)
}

func TestTamperDelete(t *testing.T) {
	f, keep, light := tamperSetup(t)
	es := f.entries()
	es = slices.Delete(es, 36, 37)
	src := f.rebuilt(es)
	v := keep.Verify(f.ctx, src)
	report(t, "keep", v)
	mustName(t, v, 36, ProblemIndex)
	mustName(t, v, 36, ProblemRewritten)
	v = light.Verify(f.ctx, src)
	report(t, "light", v)
	mustName(t, v, 36, ProblemIndex, ProblemReceipt)
	// Deleted from the store only (the tree is unchanged): the full
	// audit names it.
	f2, keep2, _ := tamperSetup(t)
	f2.store.entries = slices.Delete(f2.store.entries, 36, 37)
	v = keep2.VerifyAll(f2.ctx, f2.log)
	report(t, "keep, VerifyAll, deleted in the store", v)
	mustName(t, v, 36, ProblemIndex)
}

func TestTamperReorder(t *testing.T) {
	f, keep, light := tamperSetup(t)
	es := f.entries()
	es[36], es[52] = es[52], es[36]
	src := f.rebuilt(es)
	v := keep.Verify(f.ctx, src)
	report(t, "keep", v)
	mustName(t, v, 36, ProblemIndex)
	mustName(t, v, 52, ProblemIndex)
	mustName(t, v, 36, ProblemRewritten)
	v = light.Verify(f.ctx, src)
	mustName(t, v, 36, ProblemIndex)
	mustName(t, v, 52, ProblemIndex)
	// Reordered in the new range, in the store only.
	f.store.entries[105], f.store.entries[106] = f.store.entries[106], f.store.entries[105]
	v = keep.Verify(f.ctx, f.log)
	report(t, "keep, entries 105 and 106 swapped in the store", v)
	mustName(t, v, 105, ProblemIndex)
	mustName(t, v, 106, ProblemIndex)
}

func TestTamperSignature(t *testing.T) {
	f, keep, light := tamperSetup(t)
	es := f.entries()
	es[36].Signature[0] ^= 0x80
	src := f.rebuilt(es)
	v := keep.Verify(f.ctx, src)
	report(t, "keep", v)
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemRewritten)
	v = light.Verify(f.ctx, src)
	mustName(t, v, 36, ProblemSignature)
	mustName(t, v, 36, ProblemReceipt)
	// In the store only, new range.
	f.store.entries[115].Signature[5] ^= 1
	v = keep.Verify(f.ctx, f.log)
	mustName(t, v, 115, ProblemSignature)
	mustName(t, v, 115, ProblemInclusion)
}

func TestRollback(t *testing.T) {
	f, keep, light := tamperSetup(t)
	mustOK(t, keep.Verify(f.ctx, f.log)) // now at 120
	mustOK(t, light.Verify(f.ctx, f.log))
	src := f.rebuilt(f.entries()[:90])
	v := keep.Verify(f.ctx, src)
	report(t, "keep", v)
	mustName(t, v, 90, ProblemRollback)
	v = light.Verify(f.ctx, src)
	report(t, "light", v)
	mustName(t, v, 90, ProblemRollback)
	mustName(t, v, 93, ProblemReceipt) // ua-nib's entry 93 is gone
}

// A log that shows one history to ua-nib and another to ru-office, both
// of size 60, diverging at entry 40 with entries properly signed by their
// organisations (say, ua-nib's act shown to one side, the mediator's to the
// other).
func TestFork(t *testing.T) {
	f := newFixture(t)
	f.appendN(0, 40)
	base := f.entries()
	histA, histB := slices.Clone(base), slices.Clone(base)
	for i := 40; i < 60; i++ {
		a, b := act(i), act(i+500)
		a.Index, b.Index = uint64(i), uint64(i)
		if err := SignEntry(&a, f.signers[a.ActorOrg]); err != nil {
			t.Fatal(err)
		}
		if err := SignEntry(&b, f.signers[b.ActorOrg]); err != nil {
			t.Fatal(err)
		}
		histA, histB = append(histA, a), append(histB, b)
	}
	logA, logB := f.rebuilt(histA), f.rebuilt(histB)
	cpA, cpB := f.checkpoint(logA), f.checkpoint(logB)

	// Without witnesses each side, alone, sees a consistent log.
	vA := f.verifier(VerifierState{KeepLeafHashes: true})
	vB := f.verifier(VerifierState{ReceiptOrgs: []string{"ua-nib", "ru-office", "mediator"}})
	mustOK(t, vA.Verify(f.ctx, logA))
	mustOK(t, vB.Verify(f.ctx, logB))

	// The witness cosigns A and refuses B: same size, other root.
	w, wkey := newTestWitness(t, f, "witness.example/w1", nil)
	cosA, err := f.cosign(w, logA, cpA)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cosign(w, logB, cpB)
	var r *RefusalError
	if !errorsAs(err, &r) || r.Reason != RefuseFork || r.Last.Size != 60 || r.Got.Size != 60 {
		t.Fatalf("witness on the fork: %v", err)
	}
	t.Logf("witness: %v", err)

	// Verifiers that require the witness accept A and not B.
	qA := f.verifier(VerifierState{WitnessKeys: []string{wkey}, WitnessQuorum: 1})
	qB := f.verifier(VerifierState{WitnessKeys: []string{wkey}, WitnessQuorum: 1})
	mustOK(t, qA.Verify(f.ctx, served{logA, cosA}))
	v := qB.Verify(f.ctx, served{logB, cpB})
	report(t, "quorum verifier on B", v)
	if v.OK || !hasKind(v, ProblemCosignature) {
		t.Fatal("B accepted without the witness")
	}

	// When the sides compare (each checks the other's view, from a mirror
	// or the other party), both name entry 40.
	v = vA.Verify(f.ctx, logB)
	report(t, "A's verifier on B's view", v)
	if !hasKind(v, ProblemFork) {
		t.Error("no fork problem")
	}
	mustName(t, v, 40, ProblemRewritten)
	v = vB.Verify(f.ctx, logA)
	report(t, "B's verifier (receipts) on A's view", v)
	mustName(t, v, 40, ProblemReceipt)
	// A verifier with neither names the subtree that differs.
	vC := f.verifier(VerifierState{})
	mustOK(t, vC.Verify(f.ctx, logA))
	v = vC.Verify(f.ctx, logB)
	report(t, "C (no leaves, no receipts) on B", v)
	mustName(t, v, 32, ProblemRewritten) // subtree [32, 48) holds entry 40
	if !strings.Contains(v.String(), "entries [32, 48)") {
		t.Error("subtree not named")
	}
}

func TestVerifierBadInputs(t *testing.T) {
	f := newFixture(t)
	f.appendN(0, 10)
	// A checkpoint signed by another key.
	sk, _, _ := NewLogKey(DefaultOrigin)
	other, _ := note.NewSigner(sk)
	bogus, _ := note.Sign(&note.Note{Text: Checkpoint{Origin: DefaultOrigin, Size: 10}.Text()}, other)
	v := f.verifier(VerifierState{}).Verify(f.ctx, served{f.log, bogus})
	if v.OK || !hasKind(v, ProblemCheckpoint) {
		t.Fatalf("bogus checkpoint:\n%s", v)
	}
	// An organisation key the verifier does not pin.
	ring, _ := NewKeyring(f.vkeys[f.signers["ua-nib"].KeyID()], f.vkeys[f.signers["mediator"].KeyID()])
	v = f.verifier(VerifierState{OrgKeys: ring.Keys()}).Verify(f.ctx, f.log)
	mustName(t, v, 1, ProblemSignature)
	if !strings.Contains(v.String(), "not pinned") {
		t.Errorf("verdict:\n%s", v)
	}
	// A corrupt state is refused.
	good := f.verifier(VerifierState{})
	mustOK(t, good.Verify(f.ctx, f.log))
	st := good.State()
	st.Root[0] ^= 1
	if _, err := NewVerifier(st); err == nil {
		t.Error("state whose border does not give the root accepted")
	}
	// A quorum above the witnesses is refused.
	if _, err := NewVerifier(VerifierState{LogKey: f.logVKey, WitnessQuorum: 1}); err == nil {
		t.Error("quorum 1 of no witnesses")
	}
	// A pending receipt that does not match is named.
	vr := f.verifier(VerifierState{})
	mustOK(t, vr.Verify(f.ctx, f.log))
	vr.AddReceipt(Receipt{Index: 4, LeafHash: Hash{1}})
	v = vr.Verify(f.ctx, f.log)
	mustName(t, v, 4, ProblemReceipt)
}

func errorsAs(err error, target **RefusalError) bool {
	r, ok := err.(*RefusalError)
	if ok {
		*target = r
	}
	return ok
}

// Two Log values on one store, as two server processes on one database:
// the second to append finds its index taken, catches up and signs for the
// next index.
func TestTwoWriters(t *testing.T) {
	f := newFixture(t)
	other := f.openLog(f.store)
	for i := 0; i < 20; i++ {
		l := f.log
		if i%3 == 0 {
			l = other
		}
		e := act(i)
		r, err := l.Append(f.ctx, e, f.signers[e.ActorOrg])
		if err != nil {
			t.Fatal(err)
		}
		if r.Index != uint64(i) {
			t.Fatalf("append %d got index %d", i, r.Index)
		}
	}
	mustOK(t, f.verifier(VerifierState{}).Verify(f.ctx, other))
	if _, err := NewVerifier(VerifierState{LogKey: f.logVKey, WitnessKeys: []string{"a", "a"}}); err == nil {
		t.Error("malformed witness keys accepted")
	}
	_, wk, _ := NewWitnessKey("witness.example/w1")
	if _, err := NewVerifier(VerifierState{LogKey: f.logVKey, WitnessKeys: []string{wk, wk}, WitnessQuorum: 2}); err == nil {
		t.Error("one witness listed twice counts twice")
	}
}
