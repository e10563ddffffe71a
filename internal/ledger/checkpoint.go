package ledger

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the origin line of the reunite ledger's checkpoints.
const DefaultOrigin = "reunite.example/ledger"

// Checkpoint is a commitment to the log's first Size entries, in the C2SP
// tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): the body of a
// signed note is three lines,
//
//	<origin>
//	<size, decimal, no leading zeros>
//	<root hash, base64 (standard, padded)>
//
// followed by a blank line and the note signatures ("— <key name>
// base64(key hash || signature)"): the log's, then any witness
// cosignatures. The log's key is named after the origin, so pinning the log
// key pins the origin. This log writes no extension lines, and refuses
// checkpoints that have any: nothing it does not write should be accepted
// as signed by it.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   Hash
}

// Text returns the note body.
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
}

// String is for messages: "origin@size root-hex".
func (c Checkpoint) String() string {
	return fmt.Sprintf("%s@%d root %s", c.Origin, c.Size, c.Root)
}

// ParseCheckpoint parses a note body, strictly: exactly three lines, a size
// in canonical decimal, a root of 32 bytes in canonical base64.
func ParseCheckpoint(text string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return c, errors.New("ledger: checkpoint: want exactly three lines (origin, size, root)")
	}
	c.Origin = lines[0]
	if c.Origin == "" {
		return c, errors.New("ledger: checkpoint: empty origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return c, fmt.Errorf("ledger: checkpoint: size %q is not a canonical decimal", lines[1])
	}
	c.Size = size
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != len(c.Root) || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return c, fmt.Errorf("ledger: checkpoint: root %q is not 32 bytes of base64", lines[2])
	}
	copy(c.Root[:], root)
	return c, nil
}

// OpenCheckpoint verifies the log's signature on a signed checkpoint and
// parses it. The origin must be the log key's name. Other signatures
// (cosignatures) are left in the note, unverified, for the caller.
func OpenCheckpoint(signed []byte, logKey note.Verifier) (Checkpoint, *note.Note, error) {
	n, err := note.Open(signed, note.VerifierList(logKey))
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("ledger: checkpoint signature (log key %s): %w", keyID(logKey.Name(), logKey.KeyHash()), err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if c.Origin != logKey.Name() {
		return Checkpoint{}, nil, fmt.Errorf("ledger: checkpoint origin %q, but the log key is %q's", c.Origin, logKey.Name())
	}
	return c, n, nil
}

// NewLogKey makes the log's checkpoint-signing key pair, named after the
// origin.
func NewLogKey(origin string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, origin)
}
