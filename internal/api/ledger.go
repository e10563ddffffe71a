package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
)

// The ledger's endpoints: any authenticated user reads them (the ledger
// holds ids and salted hashes, never personal data), so that every party
// and any witness can check the log. The formats are those of
// internal/ledger: C2SP signed-note checkpoints, RFC 6962 proofs.
func (s *Server) routeLedger() {
	s.handle("GET /api/v1/ledger/checkpoint", s.ledgerCheckpoint)
	s.handle("GET /api/v1/ledger/entries", s.ledgerEntries)
	s.handle("GET /api/v1/ledger/proof/inclusion", s.ledgerProof("index", "size", s.app.LedgerInclusionProof))
	s.handle("GET /api/v1/ledger/proof/consistency", s.ledgerProof("from", "to", s.app.LedgerConsistencyProof))
	s.handle("GET /api/v1/ledger/keys", s.ledgerKeys)
	s.handle("POST /api/v1/ledger/cosignatures", s.ledgerCosign)
}

// receiptWriter adds the receipts of the ledger entries a request's acts
// appended (committed by the time the handler writes its answer) as
// headers, in the order appended:
//
//	Ledger-Index: 41, 42
//	Ledger-Leaf-Hash: <hex>, <hex>
//
// One place for every act, rather than a field in each kind of answer.
type receiptWriter struct {
	http.ResponseWriter
	rs          *app.Receipts
	wroteHeader bool
}

func (w *receiptWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if rs := w.rs.List(); len(rs) > 0 {
			idx, leaves := make([]string, len(rs)), make([]string, len(rs))
			for i, r := range rs {
				idx[i], leaves[i] = strconv.FormatUint(r.Index, 10), r.LeafHash.String()
			}
			w.Header().Set("Ledger-Index", strings.Join(idx, ", "))
			w.Header().Set("Ledger-Leaf-Hash", strings.Join(leaves, ", "))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *receiptWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush keeps streaming answers (CSV exports) streaming.
func (w *receiptWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func uintParam(r *http.Request, name string) (uint64, error) {
	v, err := strconv.ParseUint(r.URL.Query().Get(name), 10, 64)
	if err != nil {
		return 0, &domain.ValidationError{Fields: []domain.FieldError{{Field: name, Detail: "a whole number ≥ 0"}}}
	}
	return v, nil
}

func (s *Server) ledgerCheckpoint(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	cp, err := s.app.LedgerCheckpoint(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(cp)
	return nil
}

type ledgerLeaf struct {
	Index uint64 `json:"index"`
	Leaf  []byte `json:"leaf"`
}

func (s *Server) ledgerEntries(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	from, err := uintParam(r, "from")
	if err != nil {
		return err
	}
	to, err := uintParam(r, "to")
	if err != nil {
		return err
	}
	leaves, err := s.app.LedgerEntries(r.Context(), p, from, to)
	if err != nil {
		return err
	}
	out := make([]ledgerLeaf, len(leaves))
	for i, l := range leaves {
		out[i] = ledgerLeaf{l.Index, l.Leaf}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

// ledgerProof serves a proof between two numbers taken from the query:
// (index, size) for inclusion, (from, to) for consistency.
func (s *Server) ledgerProof(a, b string, prove func(ctx context.Context, p access.Principal, x, y uint64) ([][]byte, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p access.Principal) error {
		x, err := uintParam(r, a)
		if err != nil {
			return err
		}
		y, err := uintParam(r, b)
		if err != nil {
			return err
		}
		pf, err := prove(r.Context(), p, x, y)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"proof": nonNilProof(pf)})
		return nil
	}
}

func nonNilProof(pf [][]byte) [][]byte {
	if pf == nil {
		return [][]byte{}
	}
	return pf
}

func (s *Server) ledgerKeys(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	k, err := s.app.LedgerKeysOf(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) ledgerCosign(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		WitnessKey string `json:"witness_key"`
		Checkpoint string `json:"checkpoint"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.AddCosignature(r.Context(), p, in.WitnessKey, []byte(in.Checkpoint)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
