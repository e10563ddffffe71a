package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointer: the store's checkpointer copies what was committed to
// the WAL back into the database file, by itself (the writer's automatic
// checkpoint is a backstop far above what the test writes), and stops on
// Close.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "ckpt.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 50 {
		if err := s.InTx(ctx, func(tx *Tx) error {
			return tx.AppendAudit(ctx, AuditEntry{Actor: "u", Action: "record.read", Outcome: OutcomeOK, Detail: fmt.Sprint(i)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	if walBackstopPages < 1000 {
		t.Fatalf("the writer's backstop checkpoint at %d pages", walBackstopPages)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if log, copied := s.ckpt.walFrames.Load(), s.ckpt.copied.Load(); log >= 50 && copied == log {
			break // at least one frame a commit, all copied
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpointer: WAL of %d frames, %d copied", s.ckpt.walFrames.Load(), s.ckpt.copied.Load())
		}
		time.Sleep(checkpointEvery / 2)
	}
}
