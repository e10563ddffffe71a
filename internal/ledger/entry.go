package ledger

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/transparency-dev/merkle/rfc6962"
)

// Kinds of cross-party acts. Kind is free-form (any token of [a-z0-9._-]) so
// that a new act does not need a new verifier, but these are the ones the
// issue names; use them rather than spelling them again.
const (
	KindListSubmitted        = "list.submitted"
	KindListAcknowledged     = "list.acknowledged"
	KindMatchProposed        = "match.proposed"
	KindMatchConfirmed       = "match.confirmed"
	KindMatchRejected        = "match.rejected"
	KindCaseTransition       = "case.transition"
	KindMessageSent          = "message.sent"
	KindSharingPolicyChanged = "sharing.policy_changed"
)

// Limits that keep one entry small and its encoding unambiguous.
const (
	maxToken     = 256  // kind, org, subject, detail key
	maxValue     = 1024 // detail value
	maxListItems = 1024 // subjects, data hashes, detail pairs
)

// entryHeader opens every canonical entry. It names the format and its
// version, and separates entry signatures from anything else an
// organisation's key might sign.
const entryHeader = "reunite-ledger-entry/v1"

// timeLayout is the one spelling of an entry's time: UTC, always six
// fractional digits. Microseconds because that is what PostgreSQL keeps, so
// an entry read back from a database encodes to the same bytes.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Entry is one cross-party act. It holds identifiers and hashes, never
// personal data: who acted (ActorOrg), on what (Subjects: list, record, case
// or match ids), commitments to the personal data involved (DataHashes, see
// HashData) and non-personal particulars (Detail, e.g. "from" and "to" of a
// case transition).
//
// The entry is signed by the acting organisation over Canonical(), which
// includes Index: an entry signed for position 7 cannot be moved to another
// position without the signature failing, so removing or reordering entries
// is visible entry by entry, not only as a changed root.
type Entry struct {
	Index      uint64            `json:"index"`
	Kind       string            `json:"kind"`
	Time       time.Time         `json:"time"`
	ActorOrg   string            `json:"actor_org"`
	Subjects   []string          `json:"subjects,omitempty"`
	DataHashes []string          `json:"data_hashes,omitempty"`
	Detail     map[string]string `json:"detail,omitempty"`
	KeyID      string            `json:"key_id"`
	Signature  []byte            `json:"signature"`
}

// Clone returns a deep copy, so that a store can hand out entries without
// the caller being able to change what it keeps.
func (e Entry) Clone() Entry {
	e.Subjects = slices.Clone(e.Subjects)
	e.DataHashes = slices.Clone(e.DataHashes)
	e.Detail = maps.Clone(e.Detail)
	e.Signature = bytes.Clone(e.Signature)
	return e
}

// Canonical returns the bytes the acting organisation signs: everything
// but the signature, one field per line, each line "<tag> <value>\n":
//
//	reunite-ledger-entry/v1
//	index <decimal, no leading zeros>
//	kind <kind>
//	time <UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>
//	actor <organisation>
//	key <key id: organisation+8 hex digits>
//	subject <id>            one line per subject, in the entry's order
//	data <64 lowercase hex> one line per data hash, in the entry's order
//	detail <key>=<value>    one line per detail, sorted by key (bytewise)
//
// A line format rather than JSON because it has one spelling that a person
// can check by eye and another implementation can reproduce without a JSON
// library's escaping rules. It is unambiguous because Validate forbids
// newlines everywhere, spaces in tokens and '=' in detail keys; ParseLeaf
// accepts only this exact spelling. Order of subjects and data hashes is kept
// because it can carry meaning (which record of a match is which side).
//
// Canonical does not validate; an entry that fails Validate is refused
// when signed, appended or verified.
func (e *Entry) Canonical() []byte {
	var b bytes.Buffer
	b.Grow(256)
	b.WriteString(entryHeader)
	b.WriteByte('\n')
	line := func(tag, value string) {
		b.WriteString(tag)
		b.WriteByte(' ')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	line("index", strconv.FormatUint(e.Index, 10))
	line("kind", e.Kind)
	line("time", e.Time.UTC().Format(timeLayout))
	line("actor", e.ActorOrg)
	line("key", e.KeyID)
	for _, s := range e.Subjects {
		line("subject", s)
	}
	for _, h := range e.DataHashes {
		line("data", h)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
		line("detail", k+"="+e.Detail[k])
	}
	return b.Bytes()
}

// LeafData returns the Merkle tree leaf for the entry: Canonical() followed
// by "signature <base64 (standard, padded) of the signature>\n". The
// signature is part of the leaf so that a changed or forged signature
// changes the leaf hash and so the tree.
func (e *Entry) LeafData() []byte { return leafData(e.Canonical(), e.Signature) }

// leafData appends the signature line to the canonical bytes c.
func leafData(c, sig []byte) []byte {
	b := append(c, "signature "...)
	b = base64.StdEncoding.AppendEncode(b, sig)
	return append(b, '\n')
}

// LeafHash returns the RFC 6962 leaf hash of LeafData:
// SHA-256(0x00 || LeafData()).
func (e *Entry) LeafHash() Hash {
	return Hash(rfc6962.DefaultHasher.HashLeaf(e.LeafData()))
}

// Receipt returns what a party keeps to check later that this entry is
// still in the log, unchanged, at its index.
func (e *Entry) Receipt() Receipt {
	return Receipt{Index: e.Index, LeafHash: e.LeafHash()}
}

// Validate reports whether the entry can be encoded unambiguously: known
// shapes for every field, no line breaks anywhere. It does not check the
// signature (see Keyring.VerifyEntry).
func (e *Entry) Validate() error {
	if !isKind(e.Kind) {
		return fmt.Errorf("ledger: entry %d: kind %q: want 1-%d of [a-z0-9._-]", e.Index, e.Kind, maxToken)
	}
	// Whole microseconds: the encoding has six digits, and an entry whose
	// time lost digits on the way to the encoding would not be the entry
	// that was signed. The zone does not matter: Canonical writes UTC.
	if u := e.Time.UTC(); e.Time.IsZero() || !u.Equal(u.Truncate(time.Microsecond)) || u.Year() < 1 || u.Year() > 9999 {
		return fmt.Errorf("ledger: entry %d: time %v: want whole microseconds, year 1-9999", e.Index, e.Time)
	}
	if !isOrg(e.ActorOrg) {
		return fmt.Errorf("ledger: entry %d: actor organisation %q: want a token without '+'", e.Index, e.ActorOrg)
	}
	if org, _, ok := splitKeyID(e.KeyID); !ok || org != e.ActorOrg {
		return fmt.Errorf("ledger: entry %d: key id %q: want %s+<8 hex digits>", e.Index, e.KeyID, e.ActorOrg)
	}
	if len(e.Subjects) > maxListItems || len(e.DataHashes) > maxListItems || len(e.Detail) > maxListItems {
		return fmt.Errorf("ledger: entry %d: more than %d subjects, data hashes or details", e.Index, maxListItems)
	}
	for _, s := range e.Subjects {
		if !isToken(s) {
			return fmt.Errorf("ledger: entry %d: subject %q: want 1-%d printable ASCII characters, no spaces", e.Index, s, maxToken)
		}
	}
	for _, h := range e.DataHashes {
		if !isHexHash(h) {
			return fmt.Errorf("ledger: entry %d: data hash %q: want 64 lowercase hex digits", e.Index, h)
		}
	}
	for k, v := range e.Detail {
		if !isToken(k) || strings.Contains(k, "=") {
			return fmt.Errorf("ledger: entry %d: detail key %q: want a token without '='", e.Index, k)
		}
		if !isValue(v) {
			return fmt.Errorf("ledger: entry %d: detail %s: value must be UTF-8 without control characters, at most %d bytes", e.Index, k, maxValue)
		}
	}
	return nil
}

// ParseLeaf decodes LeafData. It accepts only the canonical spelling: the
// decoded entry must encode back to exactly the same bytes. A store that
// keeps the leaf bytes verbatim (the safest thing to keep: it is what was
// hashed) reads entries back with it.
func ParseLeaf(data []byte) (Entry, error) {
	bad := func(why string) (Entry, error) {
		return Entry{}, fmt.Errorf("ledger: malformed leaf: %s", why)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return bad("does not end in a newline")
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	if lines[0] != entryHeader {
		return bad("no " + entryHeader + " header")
	}
	var e Entry
	next := 1
	field := func(tag string) (string, bool) {
		if next >= len(lines) {
			return "", false
		}
		v, ok := strings.CutPrefix(lines[next], tag+" ")
		if ok {
			next++
		}
		return v, ok
	}
	var err error
	for _, f := range []struct {
		tag string
		set func(string) error
	}{
		{"index", func(s string) (err error) { e.Index, err = strconv.ParseUint(s, 10, 64); return }},
		{"kind", func(s string) error { e.Kind = s; return nil }},
		{"time", func(s string) (err error) { e.Time, err = time.Parse(timeLayout, s); return }},
		{"actor", func(s string) error { e.ActorOrg = s; return nil }},
		{"key", func(s string) error { e.KeyID = s; return nil }},
	} {
		v, ok := field(f.tag)
		if !ok {
			return bad("missing " + f.tag)
		}
		if err = f.set(v); err != nil {
			return bad(f.tag + ": " + err.Error())
		}
	}
	for v, ok := field("subject"); ok; v, ok = field("subject") {
		e.Subjects = append(e.Subjects, v)
	}
	for v, ok := field("data"); ok; v, ok = field("data") {
		e.DataHashes = append(e.DataHashes, v)
	}
	for v, ok := field("detail"); ok; v, ok = field("detail") {
		k, val, found := strings.Cut(v, "=")
		if !found {
			return bad("detail without '='")
		}
		if e.Detail == nil {
			e.Detail = map[string]string{}
		}
		if _, dup := e.Detail[k]; dup {
			return bad("detail " + k + " twice")
		}
		e.Detail[k] = val
	}
	sig, ok := field("signature")
	if !ok || next != len(lines) {
		return bad("want a signature line last")
	}
	if e.Signature, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return bad("signature: " + err.Error())
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(e.LeafData(), data) {
		return bad("not in canonical form")
	}
	return e, nil
}

// dataDomain separates HashData from every other SHA-256 in the system.
const dataDomain = "reunite-ledger-data/v1\x00"

// HashData returns a hex SHA-256 commitment to personal data, for
// Entry.DataHashes: the log can then show that the data an act was about
// has not changed since, without holding the data.
//
// salt should be NewSalt(), kept next to the data (sealed with it) and handed
// over only with the data. Without a salt the hash of a name and a birth date
// can be found by guessing names and dates, which would let anyone who reads
// the log test whether a given child is in it. A nil salt is accepted for
// data that cannot be guessed (for example the hash of a whole list file).
//
// Encoding: SHA-256("reunite-ledger-data/v1\x00" || u64be(len(salt)) ||
// salt || u64be(len(parts)) || for each part: u64be(len(part)) || part), so
// ("ab","c") and ("a","bc") differ and no part can run into the next.
func HashData(salt []byte, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(dataDomain))
	var n [8]byte
	writeLen := func(l int) {
		binary.BigEndian.PutUint64(n[:], uint64(l))
		h.Write(n[:])
	}
	writeLen(len(salt))
	h.Write(salt)
	writeLen(len(parts))
	for _, p := range parts {
		writeLen(len(p))
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NewSalt returns 32 random bytes for HashData.
func NewSalt() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

func isToken(s string) bool {
	if len(s) == 0 || len(s) > maxToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func isKind(s string) bool {
	if !isToken(s) {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isOrg: a token that is also a valid signed-note key name (no '+'), since
// an organisation's key is named after it.
func isOrg(s string) bool {
	return isToken(s) && !strings.Contains(s, "+")
}

func isValue(s string) bool {
	if len(s) > maxValue || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// Hash is a SHA-256 value: a leaf hash, a node hash or a root.
type Hash [32]byte

// String returns lowercase hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes as lowercase hex, so state files are readable.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes hex.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash decodes 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("ledger: hash %q: want 64 hex digits", s)
	}
	copy(h[:], b)
	return h, nil
}

func hashOf(b []byte) (Hash, error) {
	var h Hash
	if len(b) != len(h) {
		return h, errors.New("ledger: hash is not 32 bytes")
	}
	copy(h[:], b)
	return h, nil
}

// Receipt is what a party keeps about one entry: its index and leaf hash.
// A verifier holding it checks, at every later checkpoint, that the entry is
// still there and unchanged (an inclusion proof, or its kept leaf hashes).
type Receipt struct {
	Index    uint64 `json:"index"`
	LeafHash Hash   `json:"leaf_hash"`
}
