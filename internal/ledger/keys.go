package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// Organisation keys are Ed25519 keys in the signed-note key encoding
// (golang.org/x/mod/sumdb/note): the private key "PRIVATE+KEY+<org>+<hash>+
// <base64>", the public (verifier) key "<org>+<hash>+<base64>", where hash is
// the first four bytes of SHA-256(org || "\n" || 0x01 || public key) in hex.
// One encoding for every key in the system, with a key name and a key hash
// already in it, and a parser that refuses malformed keys.
//
// An entry's KeyID is "<org>+<hash>": the verifier key without the key
// material. It says which of the organisation's keys signed, so keys can be
// rotated: a Keyring keeps old public keys and entries signed with them stay
// verifiable.

var (
	// ErrUnknownKey: the entry names a key the keyring does not hold.
	ErrUnknownKey = errors.New("ledger: unknown signing key")
	// ErrBadSignature: the entry's signature does not verify.
	ErrBadSignature = errors.New("ledger: signature does not verify")
)

// OrgSigner is an organisation's entry-signing key. NewOrgSigner makes one
// from a private key string; an HSM or an organisation's own signing
// service can implement the interface instead, so the log operator never
// needs to hold the key.
type OrgSigner interface {
	// Org is the organisation the key belongs to.
	Org() string
	// KeyID is "<org>+<8 hex digits>", as in Entry.KeyID.
	KeyID() string
	// Sign returns an Ed25519 signature over msg.
	Sign(msg []byte) ([]byte, error)
}

// NewOrgKey makes an Ed25519 key pair for an organisation.
func NewOrgKey(org string) (skey, vkey string, err error) {
	if !isOrg(org) {
		return "", "", fmt.Errorf("ledger: organisation %q: want a token without '+'", org)
	}
	return note.GenerateKey(rand.Reader, org)
}

type orgSigner struct {
	s note.Signer
}

// NewOrgSigner returns a signer for the private key skey (from NewOrgKey).
func NewOrgSigner(skey string) (OrgSigner, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("ledger: organisation key: %w", err)
	}
	if !isOrg(s.Name()) {
		return nil, fmt.Errorf("ledger: organisation key named %q: not an organisation", s.Name())
	}
	return orgSigner{s}, nil
}

func (o orgSigner) Org() string                     { return o.s.Name() }
func (o orgSigner) KeyID() string                   { return keyID(o.s.Name(), o.s.KeyHash()) }
func (o orgSigner) Sign(msg []byte) ([]byte, error) { return o.s.Sign(msg) }

func keyID(name string, hash uint32) string { return fmt.Sprintf("%s+%08x", name, hash) }

// splitKeyID splits "<org>+<8 lowercase hex>".
func splitKeyID(id string) (org string, hash uint32, ok bool) {
	org, h, found := strings.Cut(id, "+")
	if !found || !isOrg(org) || len(h) != 8 || strings.ToLower(h) != h {
		return "", 0, false
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return "", 0, false
	}
	return org, uint32(v), true
}

// SignEntry signs e for s's organisation: it sets ActorOrg (when empty; a
// different one is refused, an organisation signs only its own acts), KeyID
// and Signature. e.Index and e.Time must already be final, because the
// signature covers them.
func SignEntry(e *Entry, s OrgSigner) error {
	_, err := signEntry(e, s)
	return err
}

// signEntry is SignEntry that also returns the canonical bytes signed.
func signEntry(e *Entry, s OrgSigner) ([]byte, error) {
	if e.ActorOrg == "" {
		e.ActorOrg = s.Org()
	}
	if e.ActorOrg != s.Org() {
		return nil, fmt.Errorf("ledger: entry by %q cannot be signed with a key of %q", e.ActorOrg, s.Org())
	}
	e.KeyID = s.KeyID()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	c := e.Canonical()
	sig, err := s.Sign(c)
	if err != nil {
		return nil, fmt.Errorf("ledger: signing entry %d: %w", e.Index, err)
	}
	e.Signature = sig
	return c, nil
}

// Keyring holds organisations' public keys, old and new, by key id. It is
// safe for concurrent use.
type Keyring struct {
	mu    sync.RWMutex
	byID  map[string]note.Verifier
	vkeys map[string]string
}

// NewKeyring returns a keyring holding vkeys (from NewOrgKey).
func NewKeyring(vkeys ...string) (*Keyring, error) {
	k := &Keyring{byID: map[string]note.Verifier{}, vkeys: map[string]string{}}
	for _, v := range vkeys {
		if _, err := k.Add(v); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Add adds a public key and returns its key id. Keys are never removed:
// rotating a key is adding the new one; what the old one signed must stay
// verifiable for as long as the log exists.
func (k *Keyring) Add(vkey string) (string, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", fmt.Errorf("ledger: organisation public key: %w", err)
	}
	if !isOrg(v.Name()) {
		return "", fmt.Errorf("ledger: public key named %q: not an organisation", v.Name())
	}
	id := keyID(v.Name(), v.KeyHash())
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.vkeys[id]; ok && old != vkey {
		// Two keys with one id: a 32-bit hash collision, or someone trying
		// to pass a key of theirs off as an old one. Refuse either way.
		return "", fmt.Errorf("ledger: key id %s already names another key", id)
	}
	k.byID[id] = v
	k.vkeys[id] = vkey
	return id, nil
}

// Keys returns the public keys held, sorted.
func (k *Keyring) Keys() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, 0, len(k.vkeys))
	for _, v := range k.vkeys {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// VerifyEntry checks e's shape and that it is signed by a key of its
// acting organisation. Errors wrap ErrUnknownKey or ErrBadSignature.
func (k *Keyring) VerifyEntry(e *Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	k.mu.RLock()
	v, ok := k.byID[e.KeyID]
	k.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w %s", ErrUnknownKey, e.KeyID)
	}
	// Validate tied KeyID to ActorOrg and Add tied the id to the key's name,
	// so the key found belongs to the acting organisation.
	if !v.Verify(e.Canonical(), e.Signature) {
		return fmt.Errorf("%w (key %s)", ErrBadSignature, e.KeyID)
	}
	return nil
}
