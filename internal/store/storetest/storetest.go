// Package storetest gives tests real databases: a fresh SQLite file, and a
// fresh database on a real PostgreSQL server.
//
// The server is found in this order: $REUNITE_TEST_POSTGRES (a URL of a
// database the tests may create databases from, or "initdb" to force a
// throwaway server), a server on 127.0.0.1:5432
// with trust authentication, or a throwaway server started with initdb where
// PostgreSQL's binaries are installed. If none can be had the PostgreSQL
// tests are skipped with a clear message, except under CI=true, where they
// fail: CI must never pass with the PostgreSQL half untested.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Dialects runs fn once per database, as subtests named after the dialect.
func Dialects(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// Each runs fn once per database with an opened, migrated, empty store.
func Each(t *testing.T, opts store.Options, fn func(t *testing.T, s *store.Store)) {
	Dialects(t, func(t *testing.T, dsn string) { fn(t, Open(t, dsn, opts)) })
}

// Keys is the master key tests' stores use unless their options name
// others: one per test binary, so a database reopened in a test opens.
var Keys = func() *seal.Keyring {
	k, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		panic(err)
	}
	return k
}()

// Open opens dsn and closes it when the test ends. Without opts.Keys, the
// store uses Keys.
func Open(t testing.TB, dsn string, opts store.Options) *store.Store {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = Keys
	}
	s, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SQLiteDSN returns the path of a new SQLite file in the test's temp dir.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "reunite.db")
}

// PostgresDSN returns the URL of a new, empty database that is dropped when
// the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin, err := server()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("PostgreSQL tests skipped: %v", err)
	}
	name := "reunite_test_" + randomHex(6)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(admin, name)
}

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

// server finds or starts a PostgreSQL server once per test binary and
// returns the URL of a database on it that tests may create databases from.
func server() (string, error) {
	serverOnce.Do(func() {
		u := os.Getenv("REUNITE_TEST_POSTGRES")
		if u == "initdb" { // force a throwaway server, to test this path
			serverURL, serverErr = startThrowaway()
			return
		}
		if u != "" {
			serverURL, serverErr = u, ping(u)
			return
		}
		local := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		if ping(local) == nil {
			serverURL = local
			return
		}
		serverURL, serverErr = startThrowaway()
	})
	return serverURL, serverErr
}

func ping(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// startThrowaway runs initdb and postgres in a temporary directory on a free
// port. The server is killed when the test binary exits (Pdeathsig), so no
// server outlives the tests.
func startThrowaway() (string, error) {
	bin, err := findPostgresBin()
	if err != nil {
		return "", fmt.Errorf("no server on 127.0.0.1:5432 and %v (set REUNITE_TEST_POSTGRES, or install PostgreSQL)", err)
	}
	removeStaleThrowaways()
	dir, err := os.MkdirTemp("", "reunite-pg-")
	if err != nil {
		return "", err
	}
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root and no postgres user to run a throwaway server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
		attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: attr.Credential}
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	srv := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200")
	srv.SysProcAttr = attr
	if err := srv.Start(); err != nil {
		return "", fmt.Errorf("start postgres: %v", err)
	}
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ping(dsn) == nil {
			return dsn, nil
		}
	}
	srv.Process.Kill()
	return "", fmt.Errorf("throwaway postgres in %s did not start within 30s", dir)
}

// removeStaleThrowaways deletes the data of earlier throwaway servers whose
// postgres process is gone. A test binary has no hook to clean up after
// itself at exit, so each start sweeps up after the ones before.
func removeStaleThrowaways() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "reunite-pg-*"))
	for _, dir := range dirs {
		// A young directory may belong to another test binary (packages are
		// tested in parallel) whose initdb has not written the pid yet.
		if info, err := os.Stat(dir); err != nil || time.Since(info.ModTime()) < 10*time.Minute {
			continue
		}
		pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
		if err == nil {
			line, _, _ := strings.Cut(string(pidFile), "\n")
			if pid, err := strconv.Atoi(line); err == nil && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		os.RemoveAll(dir)
	}
}

func findPostgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", fmt.Errorf("initdb not found")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func withDatabase(adminURL, name string) string {
	u, err := url.Parse(adminURL)
	if err != nil {
		return adminURL
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Raw opens the test database at dsn beside the store, as someone with
// access to the database (and not to the application) would: for tests
// that tamper with rows or scan every table.
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, src := "pgx", dsn
	if !store.IsPostgres(dsn) {
		driver, src = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	return db
}
