package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/ledger"
)

func (s *Server) routeLedger() {
	s.page("GET /ledger", s.ledgerPage)
}

type ledgerRow struct {
	Index    uint64
	Entry    ledger.Entry
	Err      string
	LeafHash string
}

type ledgerData struct {
	Checkpoint string
	Size       uint64
	Rows       []ledgerRow
	Selected   *ledgerRow
	ProofLen   int
	Orgs       map[string]string
}

func (d ledgerData) nav() string { return "ledger" }

// ledgerPage shows the log's latest signed checkpoint, its newest entries,
// and one entry by index with the size of its inclusion proof: what a
// party's own `reunite ledger verify` checks, shown for reading.
func (s *Server) ledgerPage(rq *request) error {
	ctx, p := rq.r.Context(), rq.principal()
	cp, err := s.app.LedgerCheckpoint(ctx, p)
	if err != nil {
		return err
	}
	d := ledgerData{Checkpoint: string(cp), Orgs: map[string]string{}}
	// The signed note is the checkpoint's text, a blank line, and its
	// signatures.
	body, _, _ := strings.Cut(string(cp), "\n\n")
	if c, err := ledger.ParseCheckpoint(body + "\n"); err == nil {
		d.Size = c.Size
	}
	orgs, err := s.app.Orgs(ctx, p)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		d.Orgs[o.ID] = o.Name
	}
	from := uint64(0)
	if d.Size > 20 {
		from = d.Size - 20
	}
	leaves, err := s.app.LedgerEntries(ctx, p, from, d.Size)
	if err != nil {
		return err
	}
	for i := len(leaves) - 1; i >= 0; i-- {
		d.Rows = append(d.Rows, rowOf(leaves[i].Index, leaves[i].Leaf))
	}
	if v := rq.r.URL.Query().Get("index"); v != "" {
		idx, err := strconv.ParseUint(v, 10, 64)
		if err != nil || idx >= d.Size {
			return errNotFound
		}
		one, err := s.app.LedgerEntries(ctx, p, idx, idx+1)
		if err != nil {
			return err
		}
		if len(one) == 1 {
			row := rowOf(one[0].Index, one[0].Leaf)
			d.Selected = &row
			proof, err := s.app.LedgerInclusionProof(ctx, p, idx, d.Size)
			if err != nil {
				return err
			}
			d.ProofLen = len(proof)
		}
	}
	s.render(rq, http.StatusOK, "ledger", "nav.ledger", "", d)
	return nil
}

func rowOf(idx uint64, leaf []byte) ledgerRow {
	r := ledgerRow{Index: idx}
	e, err := ledger.ParseLeaf(leaf)
	if err != nil {
		// Shown as it is: the page reports what the database holds, and
		// `ledger verify` names the entry.
		r.Err = err.Error()
		return r
	}
	r.Entry, r.LeafHash = e, e.LeafHash().String()
	return r
}
