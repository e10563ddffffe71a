package ledger

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestAppendBatch: AppendBatch gives the entries, receipts, roots and
// proofs of appending the same entries one by one with Append, for batch
// sizes that start and end on both sides of perfect-subtree boundaries,
// signed on one goroutine and (1000) on several; a batch with a bad entry
// appends nothing.
func TestAppendBatch(t *testing.T) {
	one, batch := newFixture(t), newFixture(t)
	batch.log = batch.openLog(batch.store)
	// The same keys on both sides, so the same signatures.
	batch.signers, batch.keyring = one.signers, one.keyring
	batch.log.keyring = one.keyring
	batch.log.signer = one.log.signer
	org := testOrgs[0]
	n := 0
	var sizes []uint64
	for _, k := range []int{1, 2, 3, 7, 8, 9, 1000, 1} {
		es := make([]Entry, k)
		for i := range es {
			es[i] = Entry{Kind: KindMatchProposed, Time: testEpoch.Add(time.Duration(n+i) * time.Microsecond),
				Subjects: []string{fmt.Sprintf("candidate:%d", n+i)}, Detail: map[string]string{"n": fmt.Sprint(n + i)}}
		}
		var want []Receipt
		for _, e := range es {
			r, err := one.log.Append(one.ctx, e, one.signers[org])
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, r)
		}
		got, err := batch.log.AppendBatch(batch.ctx, es, one.signers[org])
		if err != nil {
			t.Fatalf("batch of %d: %v", k, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("batch of %d at %d: receipts differ", k, n)
		}
		n += k
		sizes = append(sizes, uint64(n))
	}
	ea, _ := one.log.Entries(one.ctx, 0, uint64(n))
	eb, _ := batch.log.Entries(batch.ctx, 0, uint64(n))
	for i := range ea {
		if !bytes.Equal(ea[i].LeafData(), eb[i].LeafData()) {
			t.Fatalf("entry %d differs", i)
		}
	}
	for _, to := range sizes {
		ra, _ := one.log.Root(one.ctx, to)
		rb, err := batch.log.Root(batch.ctx, to)
		if err != nil || ra != rb {
			t.Fatalf("root at %d differs (%v)", to, err)
		}
		for _, from := range sizes {
			if from > to {
				continue
			}
			pa, _ := one.log.ConsistencyProof(one.ctx, from, to)
			pb, err := batch.log.ConsistencyProof(batch.ctx, from, to)
			if err != nil || !slices.EqualFunc(pa, pb, bytes.Equal) {
				t.Fatalf("consistency %d to %d differs (%v)", from, to, err)
			}
			if from < to {
				pa, _ = one.log.InclusionProof(one.ctx, from, to)
				pb, err = batch.log.InclusionProof(batch.ctx, from, to)
				if err != nil || !slices.EqualFunc(pa, pb, bytes.Equal) {
					t.Fatalf("inclusion %d in %d differs (%v)", from, to, err)
				}
			}
		}
	}

	// A bad entry in the middle of a large batch (signed on several
	// goroutines): nothing appended, and the error names it.
	es := make([]Entry, 100)
	for i := range es {
		es[i] = Entry{Kind: KindMatchProposed, Subjects: []string{fmt.Sprintf("candidate:%d", i)}}
	}
	es[70].Subjects[0] = "not a token"
	if _, err := batch.log.AppendBatch(batch.ctx, es, one.signers[org]); err == nil {
		t.Fatal("batch with a bad entry: no error")
	} else if want := fmt.Sprintf("entry %d", n+70); !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name %s", err, want)
	}
	if size, _ := batch.log.Size(batch.ctx); size != uint64(n) {
		t.Errorf("size after a failed batch: %d, want %d", size, n)
	}
}
