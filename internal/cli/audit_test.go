package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestAuditVerifyAndErase: erase a record from the command line, then
// verify the audit chain (with the head printed earlier), break it, and
// see verification fail with the row named.
func TestAuditVerifyAndErase(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := []string{"--db", dsn, "--key-file", filepath.Join(t.TempDir(), "k")}
		args := func(a ...string) []string { return append(a, db...) }
		mustRun(t, args("org", "add", "--slug", "ua-nib", "--name", "NIB", "--kind", "government")...)
		csv := filepath.Join(t.TempDir(), "r.csv")
		os.WriteFile(csv, []byte("id;given_name;family_name;birth_date\nA-1;Іван;Шелестюк;2012\n"), 0o600)
		mustRun(t, args("import", "--kind", "request", "--org", "ua-nib", csv)...)
		raw := storetest.Raw(t, dsn)
		var id string
		if err := raw.QueryRow(`SELECT id FROM records WHERE external_id = 'A-1'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := run(ctx, args("record", "erase", "--org", "ua-nib", "--kind", "request", id)...); err == nil {
			t.Fatal("erased without a legal basis")
		}
		out := mustRun(t, args("record", "erase", "--org", "ua-nib", "--kind", "request", "--legal-basis", "request 7, art. 17", id)...)
		if !strings.Contains(out, "erased request "+id) || !strings.Contains(out, "request 7, art. 17") {
			t.Fatalf("erase printed %q", out)
		}
		if out := mustRun(t, args("export", "--kind", "request", "--org", "ua-nib")...); strings.Contains(out, "Шелестюк") {
			t.Fatalf("the erased name is exported:\n%s", out)
		}
		out = mustRun(t, args("audit", "verify")...)
		head := regexp.MustCompile(`head: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
		if head == nil || !strings.Contains(out, "audit chain verified") {
			t.Fatalf("verify printed %q", out)
		}
		mustRun(t, args("audit", "verify", "--head", head[1])...)
		if _, err := raw.Exec(`UPDATE audit_log SET detail = 'something else' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		out, err := run(ctx, args("audit", "verify", "--head", head[1])...)
		if !errors.Is(err, store.ErrAuditBroken) || !strings.Contains(out, "seq 2") {
			t.Fatalf("after an edit: %q %v", out, err)
		}
	})
}
