package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
)

func keysCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Master keys of encryption at rest: create, status, rotate, encrypt existing records",
		Long: `Sensitive fields (current location, caregiver, enquirer contact, documents
held), notes, superseded versions, attachments, TOTP secrets, the ledger's keys
and meeting minutes are encrypted at rest, each record or value with a data key
of its own, wrapped by a master key (--key-file or --data-keys).

Rotating: create a new key file (keys new), give the server both keys, new
first (--key-file new.key,old.key, then SIGHUP or restart), run keys rotate,
and once keys status shows nothing under the old key, drop it.`,
	}
	cmd.AddCommand(keysNewCmd(e), keysStatusCmd(e), keysRotateCmd(e), keysEncryptCmd(e))
	return cmd
}

func keysNewCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "new FILE",
		Short: "Create a new master key file (mode 0600) and print its id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := seal.CreateKeyFile(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "master key %s written to %s\n", seal.KeyID(key), args[0])
			return nil
		},
	}
}

func keysStatusCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "How many data keys each master key wraps, and records still in plaintext",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			uses, plain, err := a.Store().KeyStatus(cmd.Context())
			if err != nil {
				return err
			}
			printKeyStatus(e, uses, plain)
			return nil
		}),
	}
}

func printKeyStatus(e *env, uses []store.KeyUse, plain int) {
	w := tabwriter.NewWriter(e.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MASTER KEY\tLOADED\tWRAPS NEW\tRECORD DEKS\tVALUE DEKS\tSEALED DIRECTLY")
	for _, u := range uses {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\n", u.ID, yesNo(u.Loaded), yesNo(u.WrapsNew), u.Records, u.Values, u.Direct)
	}
	w.Flush()
	fmt.Fprintf(e.out, "records with fields still in plaintext: %d\n", plain)
	if plain > 0 {
		fmt.Fprintln(e.out, "  (reunite keys encrypt-existing seals them; serve does it in the background)")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func keysRotateCmd(e *env) *cobra.Command {
	var newKeyFile string
	var batch int
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Re-wrap every data key with a new master key, online",
		Long: `Make the master key in --new-key-file (created if missing) the one that wraps
new data keys, then re-wrap every data key under another master key with it,
in batches of their own transactions: the server keeps serving throughout, and
an interrupted rotation resumes when run again. The data itself is not
re-encrypted. Servers must hold the new key before (--key-file new,old and
SIGHUP, or a restart): they read data keys re-wrapped with it. Records still
in plaintext are sealed first. Without --new-key-file, the first key of
--key-file / --data-keys is the new one.`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			ctx := cmd.Context()
			if newKeyFile != "" {
				key, err := seal.ReadKeyFile(newKeyFile, true)
				if err != nil {
					return err
				}
				k, err := seal.NewKeyring(seal.KeyID(key), map[string][]byte{seal.KeyID(key): key})
				if err != nil {
					return err
				}
				e.keys.Merge(k)
			}
			to := e.keys.Current()
			start := time.Now()
			sealed, err := a.Store().EncryptExisting(ctx, batch, nil)
			if err != nil {
				return err
			}
			if sealed > 0 {
				fmt.Fprintf(e.out, "sealed %d records stored in plaintext\n", sealed)
			}
			res, err := a.Store().RotateKeys(ctx, store.Actor{ID: operatorLabel()}, to, store.RotateOptions{Batch: batch, Progress: func(done int) error {
				e.log.Debug("rotation", "rewrapped", done)
				return nil
			}})
			if err != nil {
				return err
			}
			secs := time.Since(start).Seconds()
			fmt.Fprintf(e.out, "master key %s now wraps new data keys; re-wrapped %d record data keys and %d sealed values in %.1fs (%.0f/s)\n",
				to, res.Records, res.Values, secs, float64(res.Records+res.Values)/max(secs, 1e-9))
			if res.Direct > 0 {
				fmt.Fprintf(e.out, "%d values were sealed directly with an older master key before envelopes: keep that key until they are rewritten\n", res.Direct)
			}
			for _, id := range res.Retired {
				fmt.Fprintf(e.out, "master key %s wraps nothing any more: it may be removed from --key-file / --data-keys\n", id)
			}
			if newKeyFile != "" {
				fmt.Fprintf(e.out, "from now on give --key-file %s first\n", newKeyFile)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&newKeyFile, "new-key-file", "", "the new master key's file (created if missing)")
	cmd.Flags().IntVar(&batch, "batch", 200, "data keys re-wrapped per transaction")
	return cmd
}

func keysEncryptCmd(e *env) *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   "encrypt-existing",
		Short: "Encrypt records stored in plaintext before encryption at rest, online",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			n, err := a.Store().EncryptExisting(cmd.Context(), batch, nil)
			fmt.Fprintf(e.out, "sealed %d records\n", n)
			return err
		}),
	}
	cmd.Flags().IntVar(&batch, "batch", 200, "records per transaction")
	return cmd
}

// serveKeys runs beside a server: it seals records still in plaintext in the
// background, and on SIGHUP reloads the master keys (a key added for a
// rotation), until ctx ends.
func (e *env) serveKeys(ctx context.Context, a *app.App) {
	go func() {
		n, err := a.Store().EncryptExisting(ctx, 200, nil)
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Error("encrypting records stored in plaintext", "sealed", n, "err", err)
		case n > 0:
			e.log.Info("encrypted records stored in plaintext", "sealed", n)
		}
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := e.reloadKeys(ctx); err != nil {
					e.log.Error("reloading master keys", "err", err)
				}
			}
		}
	}()
}

// reloadKeys adds the master keys configured now to those in use.
func (e *env) reloadKeys(ctx context.Context) error {
	if e.keys == nil {
		return errors.New("no keys loaded")
	}
	k, err := e.loadKeys(ctx)
	if err != nil {
		return err
	}
	e.keys.Merge(k)
	e.log.Info("master keys reloaded", "current", e.keys.Current(), "loaded", e.keys.IDs())
	return nil
}
