package seal

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// KeyWrapper wraps and unwraps data keys with master keys (KEKs) named by
// id. Keyring is the local implementation (keys from a file or an
// environment variable); a cloud KMS client implements the same four
// methods, its key ids being the KMS's key names.
type KeyWrapper interface {
	// Current is the id of the master key new data keys are wrapped by.
	Current() string
	// Has reports whether the master key id can be used here.
	Has(kekID string) bool
	// Wrap encrypts a data key (plaintext) with master key kekID, bound
	// to ad.
	Wrap(ctx context.Context, kekID string, plaintext, ad []byte) ([]byte, error)
	// Unwrap reverses Wrap; a wrong key, changed bytes or other ad fail.
	Unwrap(ctx context.Context, kekID string, wrapped, ad []byte) ([]byte, error)
}

// Wrap implements KeyWrapper.
func (k *Keyring) Wrap(_ context.Context, kekID string, plaintext, ad []byte) ([]byte, error) {
	a, err := k.aead(kekID)
	if err != nil {
		return nil, err
	}
	return a.Encrypt(plaintext, ad)
}

// Unwrap implements KeyWrapper.
func (k *Keyring) Unwrap(_ context.Context, kekID string, wrapped, ad []byte) ([]byte, error) {
	a, err := k.aead(kekID)
	if err != nil {
		return nil, err
	}
	out, err := a.Decrypt(wrapped, ad)
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", kekID, ErrOpen)
	}
	return out, nil
}

// kekAEAD presents one master key of a KeyWrapper as the AEAD Tink
// encrypts keysets with.
type kekAEAD struct {
	w  KeyWrapper
	id string
}

func (k kekAEAD) EncryptWithContext(ctx context.Context, plaintext, ad []byte) ([]byte, error) {
	return k.w.Wrap(ctx, k.id, plaintext, ad)
}

func (k kekAEAD) DecryptWithContext(ctx context.Context, ciphertext, ad []byte) ([]byte, error) {
	return k.w.Unwrap(ctx, k.id, ciphertext, ad)
}

// DEK is an unwrapped data key: a Tink AES-256-GCM keyset's primitive.
type DEK struct{ a tink.AEAD }

// Encrypt encrypts plaintext bound to ad.
func (d *DEK) Encrypt(plaintext, ad []byte) ([]byte, error) { return d.a.Encrypt(plaintext, ad) }

// Decrypt opens a value Encrypt made with the same ad; anything else fails
// with ErrOpen.
func (d *DEK) Decrypt(ciphertext, ad []byte) ([]byte, error) {
	out, err := d.a.Decrypt(ciphertext, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// NewDEK makes a fresh data key and returns it with its wrapped form: its
// Tink keyset encrypted by master key kekID, bound to ad (which names what
// the key is for, so a wrapped key moved to another row does not open).
func NewDEK(ctx context.Context, w KeyWrapper, kekID string, ad []byte) (*DEK, []byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := h.WriteWithContext(ctx, keyset.NewBinaryWriter(&buf), kekAEAD{w, kekID}, ad); err != nil {
		return nil, nil, fmt.Errorf("seal: wrap data key: %w", err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, nil, err
	}
	return &DEK{a}, buf.Bytes(), nil
}

func readDEK(ctx context.Context, w KeyWrapper, kekID string, wrapped, ad []byte) (*keyset.Handle, error) {
	if !w.Has(kekID) {
		return nil, fmt.Errorf("master key %q: %w (%w)", kekID, ErrNoKey, ErrOpen)
	}
	h, err := keyset.ReadWithContext(ctx, keyset.NewBinaryReader(bytes.NewReader(wrapped)), kekAEAD{w, kekID}, ad)
	if err != nil {
		return nil, fmt.Errorf("data key wrapped by master key %s: %w", kekID, ErrOpen)
	}
	return h, nil
}

// OpenDEK unwraps a data key NewDEK or Rewrap returned.
func OpenDEK(ctx context.Context, w KeyWrapper, kekID string, wrapped, ad []byte) (*DEK, error) {
	h, err := readDEK(ctx, w, kekID, wrapped, ad)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, err
	}
	return &DEK{a}, nil
}

// Rewrap unwraps a data key with master key from and wraps the same data
// key with master key to: what it encrypted is untouched.
func Rewrap(ctx context.Context, w KeyWrapper, from string, wrapped, ad []byte, to string) ([]byte, error) {
	h, err := readDEK(ctx, w, from, wrapped, ad)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.WriteWithContext(ctx, keyset.NewBinaryWriter(&buf), kekAEAD{w, to}, ad); err != nil {
		return nil, fmt.Errorf("seal: wrap data key with %s: %w", to, err)
	}
	return buf.Bytes(), nil
}

// Envelope is the prefix of the key id of a value sealed in an envelope
// (Seal): "env:" and the id of the master key that wraps its data key. A key
// id without it names the master key a value was sealed with directly,
// before envelopes (such values still open).
const Envelope = "env:"

// inlineAD binds the data key of a single sealed value; the value itself is
// bound to its row by the caller's associated data.
var inlineAD = []byte("reunite value data key")

// SealValue seals one value (an attachment, a secret) in an envelope: a
// data key of its own, wrapped by w's current master key and stored in the
// sealed value ahead of the ciphertext. It returns the key id to store
// beside the value (Envelope + the master key's id).
func SealValue(ctx context.Context, w KeyWrapper, plaintext, ad []byte) (keyID string, sealed []byte, err error) {
	kek := w.Current()
	dek, wrapped, err := NewDEK(ctx, w, kek, inlineAD)
	if err != nil {
		return "", nil, err
	}
	ct, err := dek.Encrypt(plaintext, ad)
	if err != nil {
		return "", nil, err
	}
	out := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen32+len(wrapped)+len(ct)), uint64(len(wrapped)))
	out = append(append(out, wrapped...), ct...)
	return Envelope + kek, out, nil
}

func splitValue(sealed []byte) (wrapped, ct []byte, err error) {
	n, k := binary.Uvarint(sealed)
	if k <= 0 || n > uint64(len(sealed)-k) {
		return nil, nil, ErrOpen
	}
	return sealed[k : k+int(n)], sealed[k+int(n):], nil
}

// OpenValue opens a value SealValue sealed, or one sealed directly with a
// master key before envelopes.
func OpenValue(ctx context.Context, w KeyWrapper, keyID string, sealed, ad []byte) ([]byte, error) {
	kek, ok := strings.CutPrefix(keyID, Envelope)
	if !ok {
		out, err := w.Unwrap(ctx, keyID, sealed, ad)
		if err != nil && !errors.Is(err, ErrNoKey) {
			return nil, ErrOpen
		}
		return out, err
	}
	wrapped, ct, err := splitValue(sealed)
	if err != nil {
		return nil, err
	}
	dek, err := OpenDEK(ctx, w, kek, wrapped, inlineAD)
	if err != nil {
		return nil, err
	}
	return dek.Decrypt(ct, ad)
}

// RewrapValue re-wraps the data key of a value SealValue sealed with master
// key to, keeping its ciphertext. A value sealed directly with a master key
// (before envelopes) cannot be re-wrapped: it reports ok false.
func RewrapValue(ctx context.Context, w KeyWrapper, keyID string, sealed []byte, to string) (newKeyID string, out []byte, ok bool, err error) {
	kek, env := strings.CutPrefix(keyID, Envelope)
	if !env {
		return keyID, sealed, false, nil
	}
	wrapped, ct, err := splitValue(sealed)
	if err != nil {
		return "", nil, true, err
	}
	rewrapped, err := Rewrap(ctx, w, kek, wrapped, inlineAD, to)
	if err != nil {
		return "", nil, true, err
	}
	out = binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen32+len(rewrapped)+len(ct)), uint64(len(rewrapped)))
	out = append(append(out, rewrapped...), ct...)
	return Envelope + to, out, true, nil
}

// Seal seals plaintext bound to ad in an envelope under the keyring's
// current master key (SealValue).
func (k *Keyring) Seal(plaintext, ad []byte) (keyID string, sealed []byte, err error) {
	return SealValue(context.Background(), k, plaintext, ad)
}

// Open opens a value Seal sealed, or one sealed directly with a master key
// of the keyring before envelopes.
func (k *Keyring) Open(keyID string, sealed, ad []byte) ([]byte, error) {
	return OpenValue(context.Background(), k, keyID, sealed, ad)
}

var canaryText = []byte("reunite master key canary v1")

func canaryAD(kekID string) []byte { return []byte("reunite canary\x00" + kekID) }

// Canary returns a known value wrapped by master key kekID, stored in the
// database so that a wrong key is caught when a program starts, not when a
// record fails to open.
func Canary(ctx context.Context, w KeyWrapper, kekID string) ([]byte, error) {
	return w.Wrap(ctx, kekID, canaryText, canaryAD(kekID))
}

// CheckCanary reports whether master key kekID opens canary.
func CheckCanary(ctx context.Context, w KeyWrapper, kekID string, canary []byte) error {
	got, err := w.Unwrap(ctx, kekID, canary, canaryAD(kekID))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, canaryText) != 1 {
		return ErrOpen
	}
	return nil
}
