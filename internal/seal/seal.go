// Package seal encrypts data at rest with envelope encryption: every value
// (a record's sensitive fields, an attachment, a secret) is encrypted with a
// data key (DEK) of its own, and the DEK is stored beside it wrapped by a
// master key (KEK). Rotating a master key is re-wrapping the DEKs, a few
// hundred bytes each, never re-encrypting the data.
//
// The primitives are Tink's (github.com/tink-crypto/tink-go/v2): DEKs are
// Tink AES-256-GCM keysets, and a DEK is wrapped by writing its keyset
// encrypted with a KEK (keyset.Handle.WriteWithContext). Nothing here is
// hand-made cryptography: this package only decides which key wraps what,
// and binds every ciphertext to its row with associated data, so a value
// moved to another row fails to open.
//
// A KEK is reached through KeyWrapper, so that a cloud KMS can replace the
// local master keys (Keyring: keys from a file or an environment variable).
package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

// ErrOpen is returned for a value that does not open: a wrong key, a
// changed byte, or the wrong associated data.
var ErrOpen = errors.New("seal: cannot open: wrong key, or the data was changed")

// ErrNoKey: a value is wrapped by a master key that is not loaded.
var ErrNoKey = errors.New("seal: master key not loaded")

// Keyring holds local master keys (KEKs) by id: the current one wraps new
// data keys, all of them unwrap. It is safe for concurrent use, and keys can
// be added while it is in use (a server told of a new key on SIGHUP).
type Keyring struct {
	mu      sync.RWMutex
	current string
	aeads   map[string]tink.AEAD
}

// NewKeyring returns a keyring with keys by id; current wraps.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	k := &Keyring{current: current, aeads: map[string]tink.AEAD{}}
	for id, key := range keys {
		if err := k.add(id, key); err != nil {
			return nil, err
		}
	}
	if _, ok := k.aeads[current]; !ok {
		return nil, fmt.Errorf("seal: no key %q to seal with", current)
	}
	return k, nil
}

func (k *Keyring) add(id string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("seal: key %s is %d bytes, want %d", id, len(key), KeySize)
	}
	// Tink's AES-GCM without output prefix: nonce || ciphertext || tag, the
	// format values were sealed in before envelopes, so they still open.
	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return fmt.Errorf("seal: key %s: %w", id, err)
	}
	k.aeads[id] = a
	return nil
}

// Merge adds other's keys to k and makes other's current key k's: a running
// server reloading its key configuration. Keys are only ever added, so
// nothing that opened before stops opening.
func (k *Keyring) Merge(other *Keyring) {
	other.mu.RLock()
	defer other.mu.RUnlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, a := range other.aeads {
		k.aeads[id] = a
	}
	k.current = other.current
}

// KeyID returns the id of a key: the first bytes of its SHA-256, so the
// same key always has the same id and the id says nothing of the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("reunite key id\x00"), key...))
	return hex.EncodeToString(sum[:6])
}

// Current returns the id of the key that wraps new data keys.
func (k *Keyring) Current() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// Has reports whether the key id is loaded.
func (k *Keyring) Has(id string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.aeads[id]
	return ok
}

// IDs returns the ids of the loaded keys, the current one first.
func (k *Keyring) IDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := []string{k.current}
	for id := range k.aeads {
		if id != k.current {
			ids = append(ids, id)
		}
	}
	return ids
}

func (k *Keyring) aead(id string) (tink.AEAD, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	a, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("master key %q: %w (%w)", id, ErrNoKey, ErrOpen)
	}
	return a, nil
}

// Load reads a keyring from spec, a comma-separated list of base64 keys,
// the first current (REUNITE_DATA_KEYS). An empty spec reads key files:
// paths is a comma-separated list of files, the first current and created
// on first use (mode 0600) if missing; the others must exist. Files are fine
// for one machine, while a deployment passes its keys from a secret store.
func Load(spec, paths string) (*Keyring, error) {
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
		for i, path := range strings.Split(paths, ",") {
			key, err := ReadKeyFile(strings.TrimSpace(path), i == 0)
			if err != nil {
				return nil, err
			}
			keys = append(keys, key)
		}
	}
	m := map[string][]byte{}
	for _, key := range keys {
		m[KeyID(key)] = key
	}
	return NewKeyring(KeyID(keys[0]), m)
}

// ReadKeyFile reads a base64 master key from path; if create, a missing
// file is created with a new random key (mode 0600).
func ReadKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", path, err)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: %s: a key of %d bytes, want %d", path, len(key), KeySize)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("seal: master key file: %w", err)
	}
	return CreateKeyFile(path)
}

// CreateKeyFile writes a new random master key to path, which must not
// exist, with mode 0600, and returns it.
func CreateKeyFile(path string) ([]byte, error) {
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
