// Package ledger is the core of a tamper-evident log of the acts the parties
// do to each other: a list submitted or acknowledged, a match proposed,
// confirmed or rejected, a case moved on, a message sent, a sharing policy
// changed. Two governments at war and a mediator each need to be able to
// show, later and to anyone, what was done and by whom, and to notice at
// once if the operator of the log (or anyone with access to its database)
// rewrites, removes or reorders what happened.
//
// The package is pure: no SQL, no HTTP. Storage is the Store interface
// (MemStore here; a database store can implement it), and a verifier reads
// through the Source interface (the Log here; an HTTP client later).
//
// # Pieces
//
//   - Entry: one act, in a canonical line encoding (Entry.Canonical),
//     signed with Ed25519 by the acting organisation's key (SignEntry,
//     Keyring). It carries ids and salted hashes of personal data
//     (HashData), never personal data.
//   - Log: appends entries to an RFC 6962 / RFC 9162 Merkle tree
//     (github.com/transparency-dev/merkle: rfc6962 hashing, compact ranges,
//     proof), serves inclusion and consistency proofs and signs checkpoints
//     in the C2SP tlog-checkpoint signed-note format (golang.org/x/mod/sumdb/
//     note).
//   - Witness: cosigns a checkpoint (C2SP tlog-cosignature, cosignature/v1)
//     only if a consistency proof shows it extends the last one it cosigned;
//     a log that shows different histories to different parties (a fork) or
//     goes back (a rollback) cannot get both cosigned.
//   - Verifier: an organisation's (or anyone's) check of the log: the
//     checkpoint's signature and cosignatures, consistency with the last
//     checkpoint it verified, every new entry's position and organisation
//     signature, that the entries hash to the checkpoint's root, and the
//     receipts it holds. Its Verdict names the entries concerned.
//
// # Trust
//
// The log operator can sign any checkpoint, but cannot sign entries for an
// organisation other than itself: every entry carries its organisation's
// signature over its own index, so an entry changed, moved or dropped is
// named by its signature or position. What the operator could still do,
// show different histories to different parties, is what witness quorums
// and the comparison with what a verifier saw before catch. A verifier that
// keeps the leaf hashes it verified (or receipts for the entries it cares
// about) names the first rewritten entry even if the rewrite re-signed
// everything the operator can sign.
//
// Formats are documented on Entry.Canonical, Entry.LeafData, HashData,
// Checkpoint, the organisation keys (keys.go) and the witness cosignature
// (witness.go).
package ledger
