// Package ledgerhttp is a client of reunite's ledger API (/api/v1/ledger):
// a ledger.Source for verifiers, the keys to pin, and the endpoint a
// witness posts its cosignatures to. Nothing the server answers is trusted;
// the verifier checks it all.
package ledgerhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/ledger"
)

// Client talks to one server with one API token.
type Client struct {
	// Server is the base URL, e.g. http://127.0.0.1:8080.
	Server string
	Token  string
	// HTTP is the client to use; http.DefaultClient if nil.
	HTTP *http.Client
}

var _ ledger.Source = (*Client)(nil)

// maxBody bounds what is read of an answer.
const maxBody = 64 << 20

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, out any) ([]byte, error) {
	u := strings.TrimRight(c.Server, "/") + "/api/v1/ledger/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var p struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(b, &p) == nil && p.Detail != "" {
			return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, p.Detail)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return b, nil
}

// Checkpoint implements ledger.Source: the signed note, with any
// cosignatures.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "checkpoint", nil, nil, nil)
}

// Leaf is one served row: its position and the leaf bytes.
type Leaf struct {
	Index uint64 `json:"index"`
	Leaf  []byte `json:"leaf"` // base64 in JSON
}

// Leaves returns the rows the server serves for [from, to), at most 1000.
func (c *Client) Leaves(ctx context.Context, from, to uint64) ([]Leaf, error) {
	var out struct {
		Entries []Leaf `json:"entries"`
	}
	q := url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}}
	_, err := c.do(ctx, http.MethodGet, "entries", q, nil, &out)
	return out.Entries, err
}

// Entries implements ledger.Source. A row missing from the answer, or one
// that does not parse, is a *ledger.LeafError naming it.
func (c *Client) Entries(ctx context.Context, from, to uint64) ([]ledger.Entry, error) {
	out := make([]ledger.Entry, 0, to-from)
	for lo := from; lo < to; {
		hi := min(to, lo+1000)
		leaves, err := c.Leaves(ctx, lo, hi)
		if err != nil {
			return nil, err
		}
		next := lo
		for _, l := range leaves {
			if l.Index != next {
				return nil, &ledger.LeafError{Index: next, Err: errors.New("missing: the server has no such entry")}
			}
			e, err := ledger.ParseLeaf(l.Leaf)
			if err != nil {
				return nil, &ledger.LeafError{Index: l.Index, Err: err}
			}
			out = append(out, e)
			next++
		}
		if next != hi {
			return nil, &ledger.LeafError{Index: next, Err: errors.New("missing: the server has no such entry")}
		}
		lo = hi
	}
	return out, nil
}

func (c *Client) proof(ctx context.Context, path string, q url.Values) ([][]byte, error) {
	var out struct {
		Proof [][]byte `json:"proof"`
	}
	_, err := c.do(ctx, http.MethodGet, path, q, nil, &out)
	return out.Proof, err
}

// InclusionProof implements ledger.Source.
func (c *Client) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return c.proof(ctx, "proof/inclusion", url.Values{"index": {strconv.FormatUint(index, 10)}, "size": {strconv.FormatUint(size, 10)}})
}

// ConsistencyProof implements ledger.Source.
func (c *Client) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	return c.proof(ctx, "proof/consistency", url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}})
}

// OrgKey is an organisation's public key as the server lists it.
type OrgKey struct {
	Org       string `json:"org"`
	Slug      string `json:"slug,omitempty"`
	KeyID     string `json:"key_id"`
	Key       string `json:"key"`
	RetiredAt string `json:"retired_at,omitempty"`
}

// Keys are the public keys the server publishes.
type Keys struct {
	Origin string   `json:"origin"`
	LogKey string   `json:"log_key"`
	Orgs   []OrgKey `json:"org_keys"`
}

// Keys returns the log's and the organisations' public keys.
func (c *Client) Keys(ctx context.Context) (Keys, error) {
	var k Keys
	_, err := c.do(ctx, http.MethodGet, "keys", nil, nil, &k)
	return k, err
}

// PostCosignature hands the server a checkpoint cosigned by the witness
// whose public key is witnessKey.
func (c *Client) PostCosignature(ctx context.Context, witnessKey string, cosigned []byte) error {
	body, _ := json.Marshal(map[string]string{"witness_key": witnessKey, "checkpoint": string(cosigned)})
	_, err := c.do(ctx, http.MethodPost, "cosignatures", nil, body, nil)
	return err
}
