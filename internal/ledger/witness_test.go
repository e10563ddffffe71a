package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func newTestWitness(t testing.TB, f *fixture, name string, now func() time.Time) (*Witness, string) {
	t.Helper()
	skey, vkey, err := NewWitnessKey(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWitness(WitnessConfig{Key: skey, LogKey: f.logVKey, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if w.VerifierKey() != vkey {
		t.Fatalf("witness key %s, want %s", w.VerifierKey(), vkey)
	}
	return w, vkey
}

// cosign asks w to cosign cp of log l, with a proof from what w last
// cosigned.
func (f *fixture) cosign(w *Witness, l *Log, cp []byte) ([]byte, error) {
	f.t.Helper()
	c, err := ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
	if err != nil {
		f.t.Fatal(err)
	}
	from := w.State().Size
	var pf [][]byte
	if from <= c.Size {
		if pf, err = l.ConsistencyProof(f.ctx, from, c.Size); err != nil {
			f.t.Fatal(err)
		}
	}
	return w.Cosign(cp, pf)
}

func TestWitnessCosignatureFormat(t *testing.T) {
	f := newFixture(t)
	at := time.Unix(1679315147, 0)
	w, vkey := newTestWitness(t, f, "witness.example/w1", func() time.Time { return at })
	f.appendN(0, 10)
	cp := f.checkpoint(f.log)
	out, err := f.cosign(w, f.log, cp)
	if err != nil {
		t.Fatal(err)
	}
	// The cosigned checkpoint keeps the log's signature and adds a line.
	body, sigs, _ := strings.Cut(string(out), "\n\n")
	body += "\n"
	lines := strings.Split(strings.TrimSuffix(sigs, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "— "+DefaultOrigin+" ") || !strings.HasPrefix(lines[1], "— witness.example/w1 ") {
		t.Fatalf("signature lines %q", lines)
	}
	// The line is base64(key id || u64be timestamp || Ed25519 signature).
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "— witness.example/w1 "))
	if err != nil || len(raw) != 4+8+64 {
		t.Fatalf("cosignature %d bytes, %v", len(raw), err)
	}
	// Key id per C2SP: SHA-256(name || "\n" || 0x04 || public key)[:4],
	// and the public key as a vkey with type byte 0x04.
	parts := strings.SplitN(vkey, "+", 3)
	pubRaw, _ := base64.StdEncoding.DecodeString(parts[2])
	if pubRaw[0] != 0x04 || len(pubRaw) != 33 {
		t.Fatalf("vkey %s", vkey)
	}
	pub := ed25519.PublicKey(pubRaw[1:])
	id := sha256.Sum256(append([]byte("witness.example/w1\n\x04"), pub...))
	if !bytesEqual(raw[:4], id[:4]) || parts[1] != fmt.Sprintf("%x", id[:4]) {
		t.Errorf("key id %x, want %x", raw[:4], id[:4])
	}
	if ts := binary.BigEndian.Uint64(raw[4:12]); ts != 1679315147 {
		t.Errorf("timestamp %d", ts)
	}
	msg := "cosignature/v1\ntime 1679315147\n" + body
	if !ed25519.Verify(pub, []byte(msg), raw[12:]) {
		t.Error("signature is not over cosignature/v1, time, body")
	}
	// And note.Open with the package's verifier accepts it.
	cv, err := NewCosignatureVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(out, note.VerifierList(cv))
	if err != nil || len(n.Sigs) != 1 || n.Sigs[0].Name != "witness.example/w1" {
		t.Fatalf("open: %v %+v", err, n)
	}
	// A witness key is not a log or organisation key, and the other way.
	if _, err := note.NewVerifier(vkey); err == nil {
		t.Error("witness key accepted as an Ed25519 note key")
	}
	if _, err := NewCosignatureVerifier(f.logVKey); err == nil {
		t.Error("log key accepted as a witness key")
	}
	if _, _, err := NewWitnessKey("has space"); err == nil {
		t.Error("witness name with a space")
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func TestWitnessProgressAndRefusals(t *testing.T) {
	f := newFixture(t)
	clock := time.Unix(1_780_000_000, 0)
	var saved []WitnessState
	skey, vkey, _ := NewWitnessKey("witness.example/w1")
	w, err := NewWitness(WitnessConfig{
		Key: skey, LogKey: f.logVKey,
		Now:  func() time.Time { return clock },
		Save: func(s WitnessState) error { saved = append(saved, s); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	cv, _ := NewCosignatureVerifier(vkey)

	// Successive checkpoints, each with a proof from the last.
	var cps [][]byte
	for round, n := range []int{1, 7, 0, 25, 64, 3} {
		f.appendN(int(w.State().Size), n)
		cp := f.checkpoint(f.log)
		out, err := f.cosign(w, f.log, cp)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := note.Open(out, note.VerifierList(cv)); err != nil {
			t.Fatalf("round %d: cosignature: %v", round, err)
		}
		cps = append(cps, cp)
		clock = clock.Add(-time.Minute) // the clock goes back; timestamps must not
	}
	st := w.State()
	if st.Size != 100 || len(saved) != 6 || saved[5].Size != 100 || st.Time != 1_780_000_000 {
		t.Fatalf("state %+v, %d saves", st, len(saved))
	}

	refusal := func(err error, reason string) *RefusalError {
		t.Helper()
		var r *RefusalError
		if !errors.As(err, &r) || r.Reason != reason {
			t.Fatalf("want refusal %q, got %v", reason, err)
		}
		t.Logf("refused as expected: %v", err)
		return r
	}

	// Rollback: an older checkpoint.
	_, err = w.Cosign(cps[2], nil)
	r := refusal(err, RefuseRollback)
	if r.Last.Size != 100 || r.Got.Size != 8 || !strings.Contains(err.Error(), "size 8") || !strings.Contains(err.Error(), "size 100") {
		t.Errorf("rollback error does not name the sizes: %v", err)
	}

	// Fork: the same size, another history (entry 50 differs).
	es := f.entries()
	forked := append([]Entry(nil), es...)
	alt := act(1000)
	alt.Index = 50
	alt.ActorOrg = forked[50].ActorOrg
	if err := SignEntry(&alt, f.signers[alt.ActorOrg]); err != nil {
		t.Fatal(err)
	}
	forked[50] = alt
	fl := f.rebuilt(forked)
	fcp := f.checkpoint(fl)
	_, err = w.Cosign(fcp, nil)
	r = refusal(err, RefuseFork)
	if !strings.Contains(err.Error(), r.Last.Root.String()) || !strings.Contains(err.Error(), r.Got.Root.String()) {
		t.Errorf("fork error does not name both roots: %v", err)
	}

	// Not an extension: the forked log grows, and its own consistency
	// proof from size 100 does not lead from the root the witness holds.
	for i := 100; i < 110; i++ {
		e := act(i)
		if _, err := fl.Append(f.ctx, e, f.signers[e.ActorOrg]); err != nil {
			t.Fatal(err)
		}
	}
	pf, _ := fl.ConsistencyProof(f.ctx, 100, 110)
	_, err = w.Cosign(f.checkpoint(fl), pf)
	refusal(err, RefuseInconsistent)
	// Nor with no proof, or with the honest log's proof.
	f.appendN(100, 10)
	_, err = w.Cosign(f.checkpoint(fl), nil)
	refusal(err, RefuseInconsistent)
	hpf, _ := f.log.ConsistencyProof(f.ctx, 100, 110)
	_, err = w.Cosign(f.checkpoint(fl), hpf)
	refusal(err, RefuseInconsistent)

	// A checkpoint not signed by the log.
	sk, _, _ := NewLogKey(DefaultOrigin)
	other, _ := note.NewSigner(sk)
	c, _ := ParseCheckpoint(strings.SplitN(string(f.checkpoint(f.log)), "\n\n", 2)[0] + "\n")
	bogus, _ := note.Sign(&note.Note{Text: c.Text()}, other)
	_, err = w.Cosign(bogus, hpf)
	refusal(err, RefuseSignature)

	// None of the refusals moved the state; the honest log still gets its
	// cosignature.
	if w.State().Size != 100 || len(saved) != 6 {
		t.Fatalf("refusals changed the state: %+v", w.State())
	}
	if _, err := f.cosign(w, f.log, f.checkpoint(f.log)); err != nil {
		t.Fatal(err)
	}
	// Cosigning the same checkpoint again is fine; with a proof it is not.
	same := f.checkpoint(f.log)
	if _, err := w.Cosign(same, nil); err != nil {
		t.Errorf("same checkpoint again: %v", err)
	}
	if _, err := w.Cosign(same, hpf); err == nil {
		t.Error("a proof between equal sizes accepted")
	}

	// A failed save releases no cosignature and keeps the state.
	w2, err := NewWitness(WitnessConfig{Key: skey, LogKey: f.logVKey, State: &st,
		Save: func(WitnessState) error { return errors.New("disk full") }})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := f.cosign(w2, f.log, f.checkpoint(f.log)); err == nil || out != nil {
		t.Errorf("cosigned without saving: %v", err)
	}
	if w2.State().Size != 100 {
		t.Error("state moved without saving")
	}
	// The state round-trips through JSON, and a restarted witness still
	// refuses to go back.
	b, _ := json.Marshal(w.State())
	var back WitnessState
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	w3, err := NewWitness(WitnessConfig{Key: skey, LogKey: f.logVKey, State: &back})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w3.Cosign(cps[4], nil)
	refusal(err, RefuseRollback)
}
