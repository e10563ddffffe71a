package app

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// ActionErase is the audit action of an erasure.
const ActionErase = "record.erase"

// MaxLegalBasis bounds the legal basis of an erasure, in characters.
const MaxLegalBasis = 500

// EraseRecord erases a record's personal data on a lawful request and
// returns the tombstone it leaves (what is removed and what is kept:
// store.Tx.EraseRecord). Only a caseworker or admin of the organisation that
// owns the record may, and only with the legal basis stated (the request
// and the law it is made under, not the person's name: it is kept in the
// tombstone and the audit trail). A record of another organisation, or of
// another kind, is not found, and the attempt is audited. The ledger keeps
// only ids and salted hashes, so it verifies as before; the audit trail
// gets the erasure on its chain.
func (a *App) EraseRecord(ctx context.Context, p access.Principal, kind domain.Kind, id, legalBasis string) (store.Erasure, error) {
	if !p.Can(access.EraseRecords) {
		return store.Erasure{}, ErrForbidden
	}
	legalBasis = domain.Clean(legalBasis)
	switch {
	case legalBasis == "":
		return store.Erasure{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "legal_basis", Detail: "the legal basis of the erasure is required"}}}
	case utf8.RuneCountInString(legalBasis) > MaxLegalBasis:
		return store.Erasure{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "legal_basis", Detail: fmt.Sprintf("at most %d characters", MaxLegalBasis)}}}
	}
	var er store.Erasure
	var erased domain.Record
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Record(ctx, id, false)
		if err != nil {
			return err
		}
		if kind != "" && r.Kind != kind {
			return fmt.Errorf("record %s: %w", id, store.ErrNotFound)
		}
		if !p.CanEraseRecord(&r) {
			return &deniedError{record: r}
		}
		if er, err = tx.EraseRecord(ctx, actorOf(p), id, legalBasis); err != nil {
			return err
		}
		if erased, err = tx.Record(ctx, id, false); err != nil {
			return err
		}
		e := auditOf(p, ActionErase, store.OutcomeOK, &r)
		e.Detail = legalBasis
		return tx.AppendAudit(ctx, e)
	})
	if err == nil {
		// The live engine forgets the record (it is deleted now).
		a.rematch(ctx, []domain.Record{erased})
	}
	if errors.Is(err, store.ErrErased) {
		return er, err
	}
	return er, a.finish(ctx, p, ActionErase, err)
}
