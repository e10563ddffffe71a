package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// Witness cosignatures follow C2SP tlog-cosignature
// (https://c2sp.org/tlog-cosignature), Ed25519 "cosignature/v1":
//
//   - The cosignature is a note signature line on the checkpoint:
//     "— <witness name> base64(key id || timestamp || signature)".
//   - key id = SHA-256(<name> || "\n" || 0x04 || 32-byte public key)[:4].
//   - timestamp = 8 bytes, big-endian, seconds since the Unix epoch.
//   - signature = Ed25519 over "cosignature/v1\ntime <timestamp in
//     decimal>\n" followed by the checkpoint's note body (with its final
//     newline, without any signature lines).
//
// A cosignature says: as of that time, this is the largest checkpoint of
// the log the witness has seen, and it checked that it extends every one it
// cosigned before. Verifiers that require a quorum of witnesses are then
// shown the same history as everyone else, or nothing: a log cannot show
// one history to one government and another to the other without one of
// them failing to collect the cosignatures.
//
// Keys use the signed-note encoding with algorithm byte 0x04, the C2SP
// vkey for cosignature/v1: public "<name>+<key id hex>+base64(0x04 ||
// public key)", private "PRIVATE+KEY+<name>+<key id hex>+base64(0x04 ||
// 32-byte seed)" (the private encoding is this package's, C2SP does not
// define one). The type byte keeps a witness key from being used as a log or
// organisation key and the other way round.

const cosignatureAlg = 0x04

// NewWitnessKey makes a witness key pair named name (a schema-less URL such
// as "witness.example/w1" is conventional).
func NewWitnessKey(name string) (skey, vkey string, err error) {
	if !isNoteName(name) {
		return "", "", fmt.Errorf("ledger: witness name %q: want non-empty, no spaces, no '+'", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	h := cosignatureKeyHash(name, pub)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, priv.Seed()...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, pub...)))
	return skey, vkey, nil
}

func isNoteName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "+ \t\n\r\v\f\u0085\u00a0") && strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) < 0
}

func cosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', cosignatureAlg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// parseCosignatureKey splits "<name>+<hash>+<base64(0x04 || key)>" after an optional
// prefix and checks the name, the algorithm, the length and the hash.
func parseCosignatureKey(s, prefix string, keyLen int) (name string, hash uint32, key []byte, err error) {
	rest, ok := strings.CutPrefix(s, prefix)
	parts := strings.SplitN(rest, "+", 3)
	if !ok || len(parts) != 3 || !isNoteName(parts[0]) || len(parts[1]) != 8 {
		return "", 0, nil, errors.New("malformed key")
	}
	h, err1 := strconv.ParseUint(parts[1], 16, 32)
	raw, err2 := base64.StdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(raw) != 1+keyLen || raw[0] != cosignatureAlg {
		return "", 0, nil, errors.New("malformed key (want a cosignature/v1 Ed25519 key, type 0x04)")
	}
	return parts[0], uint32(h), raw[1:], nil
}

// cosignedMessage is what a cosignature signs.
func cosignedMessage(ts uint64, body []byte) []byte {
	m := make([]byte, 0, 40+len(body))
	m = append(m, "cosignature/v1\ntime "...)
	m = strconv.AppendUint(m, ts, 10)
	m = append(m, '\n')
	return append(m, body...)
}

// cosigner is a note.Signer producing one cosignature at a fixed time.
type cosigner struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
	ts   uint64
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	sig := binary.BigEndian.AppendUint64(nil, c.ts)
	return append(sig, ed25519.Sign(c.priv, cosignedMessage(c.ts, msg))...), nil
}

// cosignatureVerifier is a note.Verifier for cosignature/v1.
type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

// NewCosignatureVerifier returns a note.Verifier for a witness's public key
// (from NewWitnessKey), for use with note.Open.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	name, hash, pub, err := parseCosignatureKey(vkey, "", ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("ledger: witness public key: %w", err)
	}
	if cosignatureKeyHash(name, pub) != hash {
		return nil, errors.New("ledger: witness public key: key id does not match the key")
	}
	return &cosignatureVerifier{name: name, hash: hash, pub: pub}, nil
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(ts, msg), sig[8:])
}

// WitnessState is what a witness must remember, and persist before it hands
// out a cosignature: the last checkpoint it cosigned. It is JSON.
type WitnessState struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   Hash   `json:"root"`
	// Time is the timestamp of the last cosignature; the next is never
	// earlier, even if the clock goes back.
	Time uint64 `json:"time"`
	// Checkpoint is the last cosigned checkpoint with all its signatures,
	// to show anyone who claims the log said something else.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// WitnessConfig configures a Witness.
type WitnessConfig struct {
	// Key is the witness's private key (NewWitnessKey).
	Key string
	// LogKey is the log's public key (NewLogKey); it fixes the origin.
	LogKey string
	// State is the persisted state; nil starts from the empty tree, which
	// every checkpoint extends.
	State *WitnessState
	// Save, if set, persists the new state; Cosign returns no cosignature
	// unless it succeeds, so a witness that crashes cannot be made to
	// forget what it cosigned.
	Save func(WitnessState) error
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Witness cosigns checkpoints of one log, only ever a checkpoint that
// extends the last one it cosigned. It is safe for concurrent use.
type Witness struct {
	signer cosigner
	vkey   string
	logKey note.Verifier
	save   func(WitnessState) error
	now    func() time.Time

	mu    sync.Mutex
	state WitnessState
}

// NewWitness returns a witness.
func NewWitness(cfg WitnessConfig) (*Witness, error) {
	name, hash, seed, err := parseCosignatureKey(cfg.Key, "PRIVATE+KEY+", ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("ledger: witness private key: %w", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	if cosignatureKeyHash(name, pub) != hash {
		return nil, errors.New("ledger: witness private key: key id does not match the key")
	}
	logKey, err := note.NewVerifier(cfg.LogKey)
	if err != nil {
		return nil, fmt.Errorf("ledger: log public key: %w", err)
	}
	w := &Witness{
		signer: cosigner{name: name, hash: hash, priv: priv},
		vkey:   fmt.Sprintf("%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, pub...))),
		logKey: logKey,
		save:   cfg.Save,
		now:    cfg.Now,
		state:  WitnessState{Origin: logKey.Name(), Root: EmptyRoot()},
	}
	if w.now == nil {
		w.now = time.Now
	}
	if cfg.State != nil {
		if cfg.State.Origin != logKey.Name() {
			return nil, fmt.Errorf("ledger: witness state is for %q, the log key for %q", cfg.State.Origin, logKey.Name())
		}
		w.state = *cfg.State
	}
	return w, nil
}

// Name returns the witness's key name.
func (w *Witness) Name() string { return w.signer.name }

// VerifierKey returns the witness's public key, for NewCosignatureVerifier
// and VerifierState.WitnessKeys.
func (w *Witness) VerifierKey() string { return w.vkey }

// State returns the witness's state.
func (w *Witness) State() WitnessState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Reasons a witness refuses a checkpoint.
const (
	RefuseSignature    = "log signature"
	RefuseRollback     = "rollback"
	RefuseFork         = "fork"
	RefuseInconsistent = "not an extension"
)

// RefusalError is why a witness did not cosign. Last is what it cosigned
// before, Got what it was asked to cosign.
type RefusalError struct {
	Witness string
	Reason  string
	Last    Checkpoint
	Got     Checkpoint
	Err     error
}

func (e *RefusalError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ledger: witness %s refuses", e.Witness)
	if e.Got.Origin != "" {
		fmt.Fprintf(&b, " checkpoint size %d root %s", e.Got.Size, e.Got.Root)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	switch e.Reason {
	case RefuseRollback:
		fmt.Fprintf(&b, ": it already cosigned size %d root %s", e.Last.Size, e.Last.Root)
	case RefuseFork:
		fmt.Fprintf(&b, ": it cosigned root %s at the same size", e.Last.Root)
	case RefuseInconsistent:
		fmt.Fprintf(&b, " of the size %d root %s it cosigned", e.Last.Size, e.Last.Root)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *RefusalError) Unwrap() error { return e.Err }

// Cosign checks a signed checkpoint and a consistency proof from the last
// checkpoint the witness cosigned (State().Size) to it, and returns the
// checkpoint with the witness's cosignature added. It refuses (a
// *RefusalError) a checkpoint not signed by the log, smaller than the last
// (rollback), of the same size with another root (fork), or larger without
// a valid consistency proof.
//
// Cosigning the same checkpoint again is allowed (with an empty proof), so a
// log can fetch a fresh cosignature.
func (w *Witness) Cosign(checkpoint []byte, consistency [][]byte) ([]byte, error) {
	refuse := func(reason string, last, got Checkpoint, err error) ([]byte, error) {
		return nil, &RefusalError{Witness: w.signer.name, Reason: reason, Last: last, Got: got, Err: err}
	}
	c, n, err := OpenCheckpoint(checkpoint, w.logKey)
	if err != nil {
		return refuse(RefuseSignature, Checkpoint{}, Checkpoint{}, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	last := Checkpoint{Origin: w.state.Origin, Size: w.state.Size, Root: w.state.Root}
	switch {
	case c.Size < last.Size:
		return refuse(RefuseRollback, last, c, nil)
	case c.Size == last.Size && c.Root != last.Root:
		return refuse(RefuseFork, last, c, nil)
	case c.Size == last.Size && len(consistency) != 0:
		return refuse(RefuseInconsistent, last, c, errors.New("a proof between equal sizes must be empty"))
	case c.Size > last.Size:
		if err := proof.VerifyConsistency(hasher, last.Size, c.Size, consistency, last.Root[:], c.Root[:]); err != nil {
			return refuse(RefuseInconsistent, last, c, err)
		}
	}
	ts := uint64(w.now().Unix())
	ts = max(ts, w.state.Time)
	s := w.signer
	s.ts = ts
	out, err := note.Sign(n, &s)
	if err != nil {
		return nil, err
	}
	next := WitnessState{Origin: c.Origin, Size: c.Size, Root: c.Root, Time: ts, Checkpoint: string(out)}
	if w.save != nil {
		if err := w.save(next); err != nil {
			return nil, fmt.Errorf("ledger: witness %s: saving state: %w", w.signer.name, err)
		}
	}
	w.state = next
	return out, nil
}
