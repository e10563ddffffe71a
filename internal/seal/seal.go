// Package seal encrypts data at rest with an AEAD (AES-256-GCM): what it
// seals cannot be read or changed without the key, and a sealed value moved
// to another row fails to open, because the row's identity is bound in as
// associated data.
//
// A Keyring holds named keys: one seals, all open. Rotating a key is adding
// a new one as the sealing key and keeping the old ones to open what they
// sealed.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key in bytes.
const KeySize = 32

// ErrOpen is returned for a value that does not open: a wrong key, a
// changed byte, or the wrong associated data.
var ErrOpen = errors.New("seal: cannot open: wrong key, or the data was changed")

// Keyring holds the keys values are sealed with.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a keyring with keys by id; current seals.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	k := &Keyring{current: current, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: key %s is %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[current]; !ok {
		return nil, fmt.Errorf("seal: no key %q to seal with", current)
	}
	return k, nil
}

// KeyID returns the id of a key: the first bytes of its SHA-256, so the
// same key always has the same id and the id says nothing of the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("reunite key id\x00"), key...))
	return hex.EncodeToString(sum[:6])
}

// Current returns the id of the key that seals.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext bound to ad, with the current key. It returns the
// key's id, to be stored beside the sealed value.
func (k *Keyring) Seal(plaintext, ad []byte) (keyID string, sealed []byte, err error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.current, aead.Seal(nonce, nonce, plaintext, ad), nil
}

// Open decrypts a value sealed with key keyID and bound to ad.
func (k *Keyring) Open(keyID string, sealed, ad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("seal: no key %q: %w", keyID, ErrOpen)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// Load reads a keyring from spec, a comma-separated list of base64 keys,
// the first sealing (REUNITE_DATA_KEYS). An empty spec reads, or creates
// on first use, a key file at path (mode 0600): fine for one machine,
// while a deployment passes its keys from a secret store.
func Load(spec, path string) (*Keyring, error) {
	var keys [][]byte
	if spec != "" {
		for i, s := range strings.Split(spec, ",") {
			key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("seal: key %d: not base64: %w", i+1, err)
			}
			keys = append(keys, key)
		}
	} else {
		key, err := keyFile(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	m := map[string][]byte{}
	for _, key := range keys {
		m[KeyID(key)] = key
	}
	return NewKeyring(KeyID(keys[0]), m)
}

func keyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("seal: create key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// NewKey returns a fresh random key, base64-encoded.
func NewKey() string {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(key)
}
