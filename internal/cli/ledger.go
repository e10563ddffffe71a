package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/ledger/ledgerhttp"
	"github.com/reunite-ftr/reunite/internal/store"
)

// ErrVerifyFailed: the ledger did not verify; the verdict says why.
var ErrVerifyFailed = errors.New("ledger verification FAILED")

// ledgerClientFlags are what every command talking to a server's ledger
// needs.
type ledgerClientFlags struct {
	server, token, state, logKey string
}

func (f *ledgerClientFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", "", "the reunite server, e.g. http://127.0.0.1:8080 (required)")
	cmd.Flags().StringVar(&f.token, "token", "", "an API token of any user (required)")
	cmd.Flags().StringVar(&f.state, "state", "", "state file: what was verified or cosigned before (created on first run; required)")
	cmd.Flags().StringVar(&f.logKey, "log-key", "", "the log's public key to pin on the first run (default: the one the server publishes, trusted on first use)")
	cmd.MarkFlagRequired("server")
	cmd.MarkFlagRequired("token")
	cmd.MarkFlagRequired("state")
}

func (f *ledgerClientFlags) client() *ledgerhttp.Client {
	return &ledgerhttp.Client{Server: f.server, Token: f.token}
}

// readState reads JSON state; ok is false if the file does not exist yet.
func readState(path string, v any) (ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// writeState writes JSON state atomically (a crash leaves the old state or
// the new, never half of one), mode 0600.
func writeState(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func ledgerCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "Check the tamper-evident ledger of cross-party acts, and rotate its keys"}
	var f ledgerClientFlags
	var incremental bool
	var witnesses []string
	var quorum int
	verify := &cobra.Command{
		Use:   "verify --server URL --token T --state FILE",
		Short: "Verify a server's ledger: signatures, append-only growth, every entry",
		Long: `Verify the ledger a server publishes, from outside: the log's signature on
its checkpoint (and witness cosignatures, with --witness-key and --quorum),
that it extends the checkpoint verified before (kept in --state), that every
entry is at its position and signed by its organisation's key, and that the
entries hash to the checkpoint. By default every entry is fetched and checked
again (an audit: it also catches a stored entry changed after it was
verified); --incremental fetches only the new ones.

On the first run the log key and the organisation keys are taken from the
server and pinned in the state file (trust on first use; pin the log key
with --log-key to avoid even that). Later runs pin new organisation keys
(rotations) as the server publishes them.

Exits non-zero, naming the entries concerned, if anything is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c := f.client()
			var st ledger.VerifierState
			found, err := readState(f.state, &st)
			if err != nil {
				return err
			}
			keys, err := c.Keys(ctx)
			if err != nil {
				return err
			}
			if !found {
				st = ledger.VerifierState{LogKey: keys.LogKey, KeepLeafHashes: true, WitnessKeys: witnesses, WitnessQuorum: quorum}
				if f.logKey != "" {
					st.LogKey = f.logKey
				}
				fmt.Fprintf(cmd.OutOrStdout(), "first run: pinning log key %s\n", st.LogKey)
			} else if cmd.Flags().Changed("witness-key") || cmd.Flags().Changed("quorum") {
				st.WitnessKeys, st.WitnessQuorum = witnesses, quorum
			}
			v, err := ledger.NewVerifier(st)
			if err != nil {
				return err
			}
			for _, k := range keys.Orgs {
				if !slices.Contains(st.OrgKeys, k.Key) {
					if err := v.AddOrgKey(k.Key); err != nil {
						return fmt.Errorf("organisation key %s: %w", k.KeyID, err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "pinned key %s (%s)\n", k.KeyID, orDefault(k.Slug, k.Org))
				}
			}
			var verdict ledger.Verdict
			if incremental {
				verdict = v.Verify(ctx, c)
			} else {
				verdict = v.VerifyAll(ctx, c)
			}
			fmt.Fprintln(cmd.OutOrStdout(), verdict.String())
			if !verdict.OK {
				return fmt.Errorf("%w: %d problems (entries %v)", ErrVerifyFailed, len(verdict.Problems), verdict.Entries())
			}
			return writeState(f.state, v.State())
		},
	}
	f.add(verify)
	verify.Flags().BoolVar(&incremental, "incremental", false, "fetch and check only the entries new since the last run")
	verify.Flags().StringSliceVar(&witnesses, "witness-key", nil, "a witness's public key to accept cosignatures of (repeatable)")
	verify.Flags().IntVar(&quorum, "quorum", 0, "how many of the --witness-key witnesses must have cosigned the checkpoint")
	cmd.AddCommand(verify, rotateKeyCmd(e))
	return cmd
}

func rotateKeyCmd(e *env) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "rotate-key --org ORG",
		Short: "Retire an organisation's ledger signing key; its next act makes a new one",
		Long: `Retire the current entry-signing key of an organisation (its slug or id, or
"operator" for the system's own acts) in the database --db. The organisation's
next act makes a new key. The retired key's public half stays published
(GET /api/v1/ledger/keys), so the entries it signed stay verifiable;
verifiers pin the new key on their next run.`,
		Example: "  reunite ledger rotate-key --org ua-nib",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			ctx := cmd.Context()
			p := access.Operator(operatorLabel(), domain.Organisation{})
			before, err := a.LedgerKeysOf(ctx, p)
			if err != nil {
				return err
			}
			if err := a.RotateLedgerKey(ctx, p, org); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%s: no current ledger key to rotate (no such organisation, or it has not acted yet): %w", org, err)
				}
				return err
			}
			after, err := a.LedgerKeysOf(ctx, p)
			if err != nil {
				return err
			}
			for _, k := range after.Orgs {
				if k.RetiredAt == "" {
					continue
				}
				i := slices.IndexFunc(before.Orgs, func(b app.LedgerOrgKey) bool { return b.KeyID == k.KeyID })
				if i >= 0 && before.Orgs[i].RetiredAt == "" {
					fmt.Fprintf(e.out, "retired ledger key %s of %s; its public key stays published: %s\n", k.KeyID, orDefault(k.Slug, k.Org), k.Key)
				}
			}
			fmt.Fprintf(e.out, "the next act of %s makes a new key\n", org)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", `the organisation (slug or id), or "operator" (required)`)
	cmd.MarkFlagRequired("org")
	return cmd
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// witnessState is what `reunite witness` keeps between rounds.
type witnessState struct {
	LogKey  string               `json:"log_key"`
	Witness *ledger.WitnessState `json:"witness,omitempty"`
}

func witnessCmd(e *env) *cobra.Command {
	var f ledgerClientFlags
	var keyFile, name string
	cmd := &cobra.Command{
		Use:   "witness --server URL --token T --key-file F --state FILE",
		Short: "Cosign a server's latest ledger checkpoint, if it extends the last one cosigned",
		Long: `One round of a witness: fetch the server's checkpoint and a consistency proof
from the last checkpoint this witness cosigned (kept in --state), cosign it
only if it extends that one (C2SP tlog-cosignature), save the state, and post
the cosignature to the server, which serves it with the checkpoint.

A checkpoint that goes back (rollback), shows another root at a size
cosigned before (fork) or does not extend it is refused: the command says
why and exits non-zero. The witness key is made on first use in --key-file
(mode 0600); its public key is printed, for verifiers to pin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			skey, err := witnessKey(keyFile, name)
			if err != nil {
				return err
			}
			c := f.client()
			var st witnessState
			found, err := readState(f.state, &st)
			if err != nil {
				return err
			}
			if !found {
				st.LogKey = f.logKey
				if st.LogKey == "" {
					k, err := c.Keys(ctx)
					if err != nil {
						return err
					}
					st.LogKey = k.LogKey
				}
				fmt.Fprintf(out, "first run: pinning log key %s\n", st.LogKey)
			}
			w, err := ledger.NewWitness(ledger.WitnessConfig{Key: skey, LogKey: st.LogKey, State: st.Witness,
				Save: func(ws ledger.WitnessState) error {
					next := witnessState{LogKey: st.LogKey, Witness: &ws}
					return writeState(f.state, next)
				}})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "witness key %s\n", w.VerifierKey())
			signed, err := c.Checkpoint(ctx)
			if err != nil {
				return err
			}
			logKey, err := note.NewVerifier(st.LogKey)
			if err != nil {
				return err
			}
			cp, _, err := ledger.OpenCheckpoint(signed, logKey)
			if err != nil {
				return fmt.Errorf("refusing: %w", err)
			}
			last := w.State()
			var pf [][]byte
			if last.Size > 0 && cp.Size > last.Size {
				if pf, err = c.ConsistencyProof(ctx, last.Size, cp.Size); err != nil {
					return err
				}
			}
			cosigned, err := w.Cosign(signed, pf)
			var refusal *ledger.RefusalError
			if errors.As(err, &refusal) {
				fmt.Fprintf(out, "REFUSED: %v\n", refusal)
				return refusal
			}
			if err != nil {
				return err
			}
			if err := c.PostCosignature(ctx, w.VerifierKey(), cosigned); err != nil {
				return fmt.Errorf("cosigned %s, but posting it failed: %w", cp, err)
			}
			fmt.Fprintf(out, "cosigned %s (was size %d)\n", cp, last.Size)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&keyFile, "key-file", "", "the witness's private key (made on first use; required)")
	cmd.Flags().StringVar(&name, "name", "reunite-witness", "the witness's name, when making its key")
	cmd.MarkFlagRequired("key-file")
	return cmd
}

// witnessKey reads the witness's private key, or makes one.
func witnessKey(path, name string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return string(trimNL(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	skey, _, err := ledger.NewWitnessKey(name)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
		return "", err
	}
	return skey, nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
